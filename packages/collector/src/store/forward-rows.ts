import type { BatchReads, StoredBatch } from './batch-reads.ts';
import type { SqliteDatabase } from './db.ts';
import type { StoredCheckpoint } from './integrity-rows.ts';

/**
 * The forward's rows in the store: cursors, dead letters, drops and persistent counts. A cursor is
 * the id of the last batch the sink's upstream acknowledged (or that went to the dead-letter
 * table); it is written only after the 2xx, so after a crash the batches past it are sent again.
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

/** What one forwarder reads and writes: its cursor, the batches past it, its dead letters. */
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
  /** The sequence of the newest signed checkpoint the sink's upstream took (0: none yet). */
  checkpointCursor(sink: string): number;
  /** Stored signed checkpoints past `afterSeq`, oldest first. */
  checkpointsAfter(afterSeq: number, limit: number): StoredCheckpoint[];
  /** Moves the sink's checkpoint cursor to at least `seq` (never back). */
  commitCheckpoint(sink: string, seq: number, nowMs: number): void;
}

/** The forward's rows as the metrics, the API, the CLI and the quota policy see them. */
export interface ForwardRows extends ForwardStore {
  /** Dead letters for the CLI and the API: open ones by default, oldest first. */
  listDeadLetters(options?: { includeResolved?: boolean }): DeadLetter[];
  /** Marks dead letters for another try; the running forwarder picks them up. Returns how many. */
  requestRetry(target: { id: number } | 'all', nowMs: number): number;
  /** The lowest batch id waiting as an open dead letter (it must not be pruned). */
  firstOpenDeadLetterBatch(): number | null;
  openDeadLettersBySink(): Array<{ sink: string; count: number }>;
  /** Moves the sink's cursor to at least `batchId` (never back). */
  moveCursorPast(sink: string, batchId: number, nowMs: number): void;
  /** Batches dropped unforwarded for the sink by the hard quota, all time. */
  droppedBatches(sink: string): number;
}

export function createForwardRows(db: SqliteDatabase, batches: BatchReads): ForwardRows {
  const statements = {
    cursor: db.prepare('SELECT batch_id FROM forward_cursors WHERE sink = ?').pluck(),
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
    openLetters: db.prepare('SELECT * FROM forward_dead_letters WHERE resolved_at_ms IS NULL ORDER BY id'),
    allLetters: db.prepare('SELECT * FROM forward_dead_letters ORDER BY id'),
    retryAll: db.prepare(
      'UPDATE forward_dead_letters SET retry_requested_at_ms = ? WHERE resolved_at_ms IS NULL',
    ),
    retryOne: db.prepare(
      'UPDATE forward_dead_letters SET retry_requested_at_ms = ? WHERE id = ? AND resolved_at_ms IS NULL',
    ),
    firstOpenDeadLetter: db
      .prepare('SELECT min(batch_id) FROM forward_dead_letters WHERE resolved_at_ms IS NULL')
      .pluck(),
    openBySink: db.prepare(
      'SELECT sink, count(*) AS count FROM forward_dead_letters WHERE resolved_at_ms IS NULL GROUP BY sink',
    ),
    drops: db.prepare('SELECT coalesce(sum(batches), 0) FROM forward_drops WHERE sink = ?').pluck(),
    checkpointCursor: db.prepare('SELECT seq FROM forward_checkpoint_cursors WHERE sink = ?').pluck(),
    setCheckpointCursor: db.prepare(
      `INSERT INTO forward_checkpoint_cursors (sink, seq, updated_at_ms) VALUES (?, ?, ?)
       ON CONFLICT(sink) DO UPDATE SET seq = max(seq, excluded.seq), updated_at_ms = excluded.updated_at_ms`,
    ),
    checkpointsAfter: db.prepare(
      'SELECT seq, at_ms AS atMs, hash, signed_json AS signedJson FROM checkpoints WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
  };
  const cursor = (sink: string) => (statements.cursor.get(sink) as number | undefined) ?? 0;
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
    cursor,
    readAfter: (afterId, limit, maxBytes) => batches.after(afterId, limit, maxBytes),
    readBatch: (id) => batches.byId(id),
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
    queue: (sink) => batches.queueAfter(cursor(sink)),
    listDeadLetters: (options = {}) =>
      (
        (options.includeResolved ? statements.allLetters : statements.openLetters).all() as Array<
          Record<string, unknown>
        >
      ).map(toDeadLetter),
    requestRetry: (target, nowMs) =>
      (target === 'all' ? statements.retryAll.run(nowMs) : statements.retryOne.run(nowMs, target.id)).changes,
    firstOpenDeadLetterBatch: () => (statements.firstOpenDeadLetter.get() as number | null) ?? null,
    openDeadLettersBySink: () => statements.openBySink.all() as Array<{ sink: string; count: number }>,
    moveCursorPast: (sink, batchId, nowMs) => {
      statements.setCursor.run(sink, batchId, nowMs);
    },
    droppedBatches: (sink) => statements.drops.get(sink) as number,
    checkpointCursor: (sink) => (statements.checkpointCursor.get(sink) as number | undefined) ?? 0,
    checkpointsAfter: (afterSeq, limit) =>
      statements.checkpointsAfter.all(afterSeq, limit) as StoredCheckpoint[],
    commitCheckpoint: (sink, seq, nowMs) => {
      statements.setCheckpointCursor.run(sink, seq, nowMs);
    },
  };
}

function toDeadLetter(row: Record<string, unknown>): DeadLetter {
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
