import type { AuthMethod } from '@perimeter/schema';
import type { AuthLoginCount } from '../derive/auth-counts.ts';
import type { DriftObservation } from '../derive/fleet-drift.ts';
import type { DerivedRowWriter, ModelEventKind, TokenDirection } from '../derive/types.ts';
import type { SqliteDatabase } from './db.ts';

/**
 * The rows derived from events (migrations 2 and 6): written by the rules in derive/ through
 * `createDerivedRowWriter` inside the ingest transaction, read by /metrics and the drift API at
 * request time. Labels stay bounded: a fixed method/outcome set, check ids, a 3-digit status code,
 * a direction, a fixed set of model event kinds; never users, addresses or model names.
 */
export function createDerivedRowWriter(db: SqliteDatabase): DerivedRowWriter {
  const skipped = db.prepare(
    `INSERT INTO derive_skipped_counts (reason, count) VALUES (?, 1)
     ON CONFLICT(reason) DO UPDATE SET count = count + 1`,
  );
  const login = db.prepare(
    `INSERT INTO auth_login_counts (node_id, outcome, auth_method, count) VALUES (?, ?, ?, 1)
     ON CONFLICT(node_id, outcome, auth_method) DO UPDATE SET count = count + 1`,
  );
  // In an UPDATE every right-hand side reads the row as it was, so the CASE sees the old value.
  const driftIfNewer = db.prepare(
    `INSERT INTO drift_latest
       (node_id, check_id, observed, expected, controls, observed_since_ms, event_ts_ms, event_id)
     VALUES (@nodeId, @checkId, @observed, @expected, @controls, @tsMs, @tsMs, @eventId)
     ON CONFLICT(node_id, check_id) DO UPDATE SET
       observed_since_ms = CASE WHEN drift_latest.observed = excluded.observed
         THEN drift_latest.observed_since_ms ELSE excluded.observed_since_ms END,
       observed = excluded.observed, expected = excluded.expected, controls = excluded.controls,
       event_ts_ms = excluded.event_ts_ms, event_id = excluded.event_id
     WHERE excluded.event_ts_ms > drift_latest.event_ts_ms
        OR (excluded.event_ts_ms = drift_latest.event_ts_ms AND excluded.event_id > drift_latest.event_id)`,
  );
  const request = db.prepare(
    `INSERT INTO inference_request_counts (node_id, code, count) VALUES (?, ?, 1)
     ON CONFLICT(node_id, code) DO UPDATE SET count = count + 1`,
  );
  const tokens = db.prepare(
    `INSERT INTO inference_token_counts (node_id, direction, count) VALUES (?, ?, ?)
     ON CONFLICT(node_id, direction) DO UPDATE SET count = count + excluded.count`,
  );
  const modelEvent = db.prepare(
    `INSERT INTO model_event_counts (node_id, kind, count) VALUES (?, ?, 1)
     ON CONFLICT(node_id, kind) DO UPDATE SET count = count + 1`,
  );
  return {
    countSkipped: (reason) => {
      skipped.run(reason);
    },
    countLogin: (nodeId, outcome, method) => {
      login.run(nodeId, outcome, method);
    },
    observeDriftIfNewer: (update) => {
      driftIfNewer.run(update);
    },
    countRequest: (nodeId, code) => {
      request.run(nodeId, code);
    },
    addTokens: (nodeId, direction, n) => {
      tokens.run(nodeId, direction, n);
    },
    countModelEvent: (nodeId, kind) => {
      modelEvent.run(nodeId, kind);
    },
  };
}

export interface DerivedReads {
  /** Every node the store knows, for series that start at 0 before the node's first event. */
  knownNodeIds(): string[];
  authLoginCounts(): AuthLoginCount[];
  /** Every (node, check)'s newest observation, or one check's; by check id then node. */
  driftObservations(checkId?: string): DriftObservation[];
  skippedCounts(): Array<{ reason: string; count: number }>;
  inferenceRequestCounts(): Array<{ nodeId: string; code: string; count: number }>;
  inferenceTokenCounts(): Array<{ nodeId: string; direction: TokenDirection; count: number }>;
  modelEventCounts(): Array<{ nodeId: string; kind: ModelEventKind; count: number }>;
}

export function createDerivedReads(db: SqliteDatabase): DerivedReads {
  const statements = {
    nodes: db.prepare('SELECT node_id FROM nodes ORDER BY node_id').pluck(),
    logins: db.prepare(
      `SELECT node_id AS nodeId, outcome, auth_method AS authMethod, count FROM auth_login_counts
       ORDER BY node_id`,
    ),
    drift: db.prepare('SELECT * FROM drift_latest ORDER BY check_id, node_id'),
    driftOfCheck: db.prepare('SELECT * FROM drift_latest WHERE check_id = ? ORDER BY node_id'),
    skipped: db.prepare('SELECT reason, count FROM derive_skipped_counts ORDER BY reason'),
    requests: db.prepare(
      'SELECT node_id AS nodeId, code, count FROM inference_request_counts ORDER BY node_id, code',
    ),
    tokens: db.prepare(
      'SELECT node_id AS nodeId, direction, count FROM inference_token_counts ORDER BY node_id, direction',
    ),
    modelEvents: db.prepare(
      'SELECT node_id AS nodeId, kind, count FROM model_event_counts ORDER BY node_id, kind',
    ),
  };
  return {
    knownNodeIds: () => statements.nodes.all() as string[],
    authLoginCounts: () =>
      statements.logins.all() as Array<{
        nodeId: string;
        outcome: 'success' | 'failure';
        authMethod: AuthMethod;
        count: number;
      }>,
    driftObservations(checkId) {
      const rows = (
        checkId === undefined ? statements.drift.all() : statements.driftOfCheck.all(checkId)
      ) as Array<Record<string, string | number>>;
      return rows.map((row) => ({
        nodeId: row['node_id'] as string,
        checkId: row['check_id'] as string,
        observed: row['observed'] as string,
        expected: row['expected'] as string,
        controls: row['controls'] as string,
        observedSinceMs: row['observed_since_ms'] as number,
      }));
    },
    skippedCounts: () => statements.skipped.all() as Array<{ reason: string; count: number }>,
    inferenceRequestCounts: () =>
      statements.requests.all() as Array<{ nodeId: string; code: string; count: number }>,
    inferenceTokenCounts: () =>
      statements.tokens.all() as Array<{ nodeId: string; direction: TokenDirection; count: number }>,
    modelEventCounts: () =>
      statements.modelEvents.all() as Array<{ nodeId: string; kind: ModelEventKind; count: number }>,
  };
}
