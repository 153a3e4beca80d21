import { AttributeNames, type AuthMethod, AuthMethods, AuthOutcomes, EventNames } from '@perimeter/schema';
import type { SqliteDatabase } from '../store/db.ts';
import { type DeriveFromEvent, type SkipReason, SkipReasons } from './types.ts';

/**
 * Login counts per (node, outcome, method), folded from `auth.login` events in the ingest
 * transaction. Labels stay bounded: the method is one of a fixed set (anything else counts as
 * `other`), and user names and source addresses never leave the events table.
 */
export interface AuthLoginCount {
  nodeId: string;
  outcome: 'success' | 'failure';
  authMethod: AuthMethod;
  count: number;
}

const KNOWN_METHODS: ReadonlySet<string> = new Set(Object.values(AuthMethods));

export function createAuthCountDerivation(
  db: SqliteDatabase,
  recordSkipped: (reason: SkipReason) => void,
): DeriveFromEvent {
  const increment = db.prepare(
    `INSERT INTO auth_login_counts (node_id, outcome, auth_method, count) VALUES (?, ?, ?, 1)
     ON CONFLICT(node_id, outcome, auth_method) DO UPDATE SET count = count + 1`,
  );
  return function deriveAuthCounts({ nodeId, event }) {
    if (event.eventName !== EventNames.authLogin) {
      return;
    }
    const outcome = event.attributes[AttributeNames.authOutcome];
    if (outcome !== AuthOutcomes.success && outcome !== AuthOutcomes.failure) {
      // Stored as evidence, but a login that neither succeeded nor failed cannot be counted as either.
      recordSkipped(SkipReasons.authOutcomeUnknown);
      return;
    }
    increment.run(nodeId, outcome, normalizeAuthMethod(event.attributes[AttributeNames.authMethod]));
  };
}

export function normalizeAuthMethod(value: unknown): AuthMethod {
  return typeof value === 'string' && KNOWN_METHODS.has(value) ? (value as AuthMethod) : AuthMethods.other;
}

export function readAuthLoginCounts(db: SqliteDatabase): AuthLoginCount[] {
  const rows = db
    .prepare('SELECT node_id, outcome, auth_method, count FROM auth_login_counts ORDER BY node_id')
    .all() as Array<{
    node_id: string;
    outcome: 'success' | 'failure';
    auth_method: AuthMethod;
    count: number;
  }>;
  return rows.map((row) => ({
    nodeId: row.node_id,
    outcome: row.outcome,
    authMethod: row.auth_method,
    count: row.count,
  }));
}
