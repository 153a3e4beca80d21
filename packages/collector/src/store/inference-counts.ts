import type { SqliteDatabase } from './db.ts';

/**
 * The AI workload's durable counts (migration 6), written by derive/inference-counts.ts inside the
 * ingest transaction and read by /metrics at scrape time. Labels stay bounded: a 3-digit status
 * code, a direction, a fixed set of model event kinds; never users, addresses or model names.
 */
export type TokenDirection = 'input' | 'output';
export type ModelEventKind = 'integrity_failure' | 'added' | 'removed' | 'replaced';

export interface InferenceCountWriter {
  countRequest(nodeId: string, code: string): void;
  addTokens(nodeId: string, direction: TokenDirection, tokens: number): void;
  countModelEvent(nodeId: string, kind: ModelEventKind): void;
}

export function createInferenceCountWriter(db: SqliteDatabase): InferenceCountWriter {
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

export function readInferenceRequestCounts(
  db: SqliteDatabase,
): Array<{ nodeId: string; code: string; count: number }> {
  return db
    .prepare('SELECT node_id AS nodeId, code, count FROM inference_request_counts ORDER BY node_id, code')
    .all() as Array<{ nodeId: string; code: string; count: number }>;
}

export function readInferenceTokenCounts(
  db: SqliteDatabase,
): Array<{ nodeId: string; direction: TokenDirection; count: number }> {
  return db
    .prepare(
      'SELECT node_id AS nodeId, direction, count FROM inference_token_counts ORDER BY node_id, direction',
    )
    .all() as Array<{ nodeId: string; direction: TokenDirection; count: number }>;
}

export function readModelEventCounts(
  db: SqliteDatabase,
): Array<{ nodeId: string; kind: ModelEventKind; count: number }> {
  return db
    .prepare('SELECT node_id AS nodeId, kind, count FROM model_event_counts ORDER BY node_id, kind')
    .all() as Array<{ nodeId: string; kind: ModelEventKind; count: number }>;
}

/** Every node the store knows, for series that start at 0 before the node's first event. */
export function readKnownNodeIds(db: SqliteDatabase): string[] {
  return db.prepare('SELECT node_id FROM nodes ORDER BY node_id').pluck().all() as string[];
}
