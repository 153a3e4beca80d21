import type { SqliteDatabase } from '../store/db.ts';
import type { StoredBatch } from './types.ts';

/**
 * The forward's rows in the store: cursors, dead letters, persistent counts. A cursor is the id of
 * the last batch the sink's upstream acknowledged (or that went to the dead-letter table); it is
 * written only after the 2xx, so after a crash the batches past it are sent again.
 */
export interface DeadLetter {
  id: number;
  sink: string;
  batchId: number;
  nodeId: string;
  signal: string;
  httpStatus: number | null;
  reason: string;
  firstFailedAtMs: number;
  lastFailedAtMs: number;
  attempts: number;
  retryRequestedAtMs: number | null;
  resolvedAtMs: number | null;
}

export interface ForwardStore {
  cursor(sink: string): number;
  readAfter(afterId: number, limit: number, maxBytes: number): StoredBatch[];
  readBatch(id: number): StoredBatch | undefined;
  /** Moves the cursor and adds to the sink's counts in one transaction. */
  commit(sink: string, batchId: number, counts: Record<string, number>, nowMs: number): void;
  deadLetter(sink: string, batch: StoredBatch, status: number | null, reason: string, nowMs: number): void;
  retryRequested(sink: string): DeadLetter[];
  resolveDeadLetter(id: number, nowMs: number): void;
  failDeadLetterAgain(id: number, status: number | null, reason: string, nowMs: number): void;
  counts(): Array<{ sink: string; name: string; count: number }>;
  /** Oldest unforwarded batch's arrival, and the queue in batches and payload bytes. */
  queue(sink: string): { batches: number; bytes: number; oldestReceivedAtMs: number | null };
}

const BATCH_COLUMNS = `id, node_id, stream_id, seq, signal, received_at_ms, content_type, content_encoding, payload,
  point_count, event_count`;

export function createForwardStore(db: SqliteDatabase): ForwardStore {
  const statements = {
    cursor: db.prepare('SELECT batch_id FROM forward_cursors WHERE sink = ?').pluck(),
    readAfter: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id > ? ORDER BY id LIMIT ?`),
    readBatch: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`),
    setCursor: db.prepare(
      `INSERT INTO forward_cursors (sink, batch_id, updated_at_ms) VALUES (?, ?, ?)
       ON CONFLICT(sink) DO UPDATE SET batch_id = max(batch_id, excluded.batch_id), updated_at_ms = excluded.updated_at_ms`,
    ),
    addCount: db.prepare(
      `INSERT INTO forward_counts (sink, name, count) VALUES (?, ?, ?)
       ON CONFLICT(sink, name) DO UPDATE SET count = count + excluded.count`,
    ),
    insertDeadLetter: db.prepare(
      `INSERT INTO forward_dead_letters (sink, batch_id, node_id, signal, http_status, reason, first_failed_at_ms,
         last_failed_at_ms, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT(sink, batch_id) DO UPDATE SET http_status = excluded.http_status, reason = excluded.reason,
         last_failed_at_ms = excluded.last_failed_at_ms, attempts = attempts + 1, resolved_at_ms = NULL,
         retry_requested_at_ms = NULL`,
    ),
    retryRequested: db.prepare(
      `SELECT * FROM forward_dead_letters WHERE sink = ? AND retry_requested_at_ms IS NOT NULL
         AND resolved_at_ms IS NULL ORDER BY batch_id LIMIT 100`,
    ),
    resolve: db.prepare(
      'UPDATE forward_dead_letters SET resolved_at_ms = ?, retry_requested_at_ms = NULL WHERE id = ?',
    ),
    failAgain: db.prepare(
      `UPDATE forward_dead_letters SET http_status = ?, reason = ?, last_failed_at_ms = ?, attempts = attempts + 1,
         retry_requested_at_ms = NULL WHERE id = ?`,
    ),
    counts: db.prepare('SELECT sink, name, count FROM forward_counts'),
    queue: db.prepare(
      'SELECT count(*) AS batches, coalesce(sum(length(payload)), 0) AS bytes, min(received_at_ms) AS oldest FROM batches WHERE id > ?',
    ),
  };
  const toBatch = (row: Record<string, unknown>): StoredBatch => ({
    id: row.id as number,
    nodeId: row.node_id as string,
    streamId: row.stream_id as string,
    seq: (row.seq as number | null) ?? null,
    signal: row.signal as StoredBatch['signal'],
    receivedAtMs: row.received_at_ms as number,
    contentType: row.content_type as string,
    contentEncoding: row.content_encoding as string,
    payload: row.payload as Uint8Array,
    pointCount: row.point_count as number,
    eventCount: row.event_count as number,
  });
  const commit = db.transaction(
    (sink: string, batchId: number, counts: Record<string, number>, nowMs: number) => {
      statements.setCursor.run(sink, batchId, nowMs);
      for (const [name, count] of Object.entries(counts)) {
        if (count !== 0) {
          statements.addCount.run(sink, name, count);
        }
      }
    },
  );
  return {
    cursor: (sink) => (statements.cursor.get(sink) as number | undefined) ?? 0,
    readAfter(afterId, limit, maxBytes) {
      const batches: StoredBatch[] = [];
      let bytes = 0;
      for (const row of statements.readAfter.iterate(afterId, limit) as IterableIterator<
        Record<string, unknown>
      >) {
        const batch = toBatch(row);
        if (batches.length > 0 && bytes + batch.payload.byteLength > maxBytes) {
          break;
        }
        bytes += batch.payload.byteLength;
        batches.push(batch);
      }
      return batches;
    },
    readBatch(id) {
      const row = statements.readBatch.get(id) as Record<string, unknown> | undefined;
      return row ? toBatch(row) : undefined;
    },
    commit: (sink, batchId, counts, nowMs) => commit.immediate(sink, batchId, counts, nowMs),
    deadLetter(sink, batch, status, reason, nowMs) {
      statements.insertDeadLetter.run(
        sink,
        batch.id,
        batch.nodeId,
        batch.signal,
        status,
        reason.slice(0, 2000),
        nowMs,
        nowMs,
      );
    },
    retryRequested: (sink) =>
      (statements.retryRequested.all(sink) as Array<Record<string, unknown>>).map(toDeadLetter),
    resolveDeadLetter: (id, nowMs) => {
      statements.resolve.run(nowMs, id);
    },
    failDeadLetterAgain: (id, status, reason, nowMs) => {
      statements.failAgain.run(status, reason.slice(0, 2000), nowMs, id);
    },
    counts: () => statements.counts.all() as Array<{ sink: string; name: string; count: number }>,
    queue(sink) {
      const row = statements.queue.get(statements.cursor.get(sink) ?? 0) as {
        batches: number;
        bytes: number;
        oldest: number | null;
      };
      return { batches: row.batches, bytes: row.bytes, oldestReceivedAtMs: row.oldest };
    },
  };
}

export function toDeadLetter(row: Record<string, unknown>): DeadLetter {
  return {
    id: row.id as number,
    sink: row.sink as string,
    batchId: row.batch_id as number,
    nodeId: row.node_id as string,
    signal: row.signal as string,
    httpStatus: (row.http_status as number | null) ?? null,
    reason: row.reason as string,
    firstFailedAtMs: row.first_failed_at_ms as number,
    lastFailedAtMs: row.last_failed_at_ms as number,
    attempts: row.attempts as number,
    retryRequestedAtMs: (row.retry_requested_at_ms as number | null) ?? null,
    resolvedAtMs: (row.resolved_at_ms as number | null) ?? null,
  };
}

/** Dead letters for the CLI and the API: open ones by default, newest last. */
export function listDeadLetters(
  db: SqliteDatabase,
  options: { includeResolved?: boolean } = {},
): DeadLetter[] {
  return (
    db
      .prepare(
        `SELECT * FROM forward_dead_letters ${options.includeResolved ? '' : 'WHERE resolved_at_ms IS NULL'} ORDER BY id`,
      )
      .all() as Array<Record<string, unknown>>
  ).map(toDeadLetter);
}

/** Marks dead letters for another try; the running forwarder picks them up. Returns how many. */
export function requestDeadLetterRetry(
  db: SqliteDatabase,
  target: { id: number } | 'all',
  nowMs: number,
): number {
  const result =
    target === 'all'
      ? db
          .prepare('UPDATE forward_dead_letters SET retry_requested_at_ms = ? WHERE resolved_at_ms IS NULL')
          .run(nowMs)
      : db
          .prepare(
            'UPDATE forward_dead_letters SET retry_requested_at_ms = ? WHERE id = ? AND resolved_at_ms IS NULL',
          )
          .run(nowMs, target.id);
  return result.changes;
}
