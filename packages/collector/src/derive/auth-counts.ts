import { AttributeNames, type AuthMethod, AuthMethods, AuthOutcomes, EventNames } from '@perimeter/schema';
import { type DerivedRowWriter, SkipReasons, type StoredEvent } from './types.ts';

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

export function deriveAuthCounts({ nodeId, event }: StoredEvent, rows: DerivedRowWriter): void {
  if (event.eventName !== EventNames.authLogin) {
    return;
  }
  const outcome = event.attributes[AttributeNames.authOutcome];
  if (outcome !== AuthOutcomes.success && outcome !== AuthOutcomes.failure) {
    // Stored as evidence, but a login that neither succeeded nor failed cannot be counted as either.
    rows.countSkipped(SkipReasons.authOutcomeUnknown);
    return;
  }
  rows.countLogin(nodeId, outcome, normalizeAuthMethod(event.attributes[AttributeNames.authMethod]));
}

export function normalizeAuthMethod(value: unknown): AuthMethod {
  return typeof value === 'string' && KNOWN_METHODS.has(value) ? (value as AuthMethod) : AuthMethods.other;
}
