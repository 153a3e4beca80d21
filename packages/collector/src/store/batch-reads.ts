import type { SqliteDatabase } from './db.ts';
import type { ArrivedBatch } from './store.ts';

/**
 * Stored batches read back: after a cursor (the forward), by id, and time → id. Batches are
 * written as they arrive, so arrival time grows with id; that fact lives here and in prune.ts only.
 */

/** A stored batch as the forward reads it back (the wire payload exactly as it arrived). */
export interface StoredBatch extends ArrivedBatch {
  id: number;
  pointCount: number;
  eventCount: number;
}

/** What a prune needs to know of a batch it removes. */
export interface BatchRef {
  id: number;
  nodeId: string;
  signal: string;
  receivedAtMs: number;
}

export interface BatchReads {
  /** In id order after `afterId`; at least one, then as many as fit in maxBytes of payload. */
  after(afterId: number, limit: number, maxBytes: number): StoredBatch[];
  byId(id: number): StoredBatch | undefined;
  firstId(): number | null;
  lastId(): number | null;
  /** The first batch that arrived at or after `atMs`: every batch before it arrived earlier. */
  firstIdAtOrAfter(atMs: number): number | undefined;
  /** The last batch that arrived before `atMs`. */
  lastIdBefore(atMs: number): number | undefined;
  /** Batches past `afterId`: how many, their payload bytes, the oldest arrival. */
  queueAfter(afterId: number): { batches: number; bytes: number; oldestReceivedAtMs: number | null };
  /** Batches with afterId < id <= upTo. */
  countBetween(afterId: number, upTo: number): number;
  /** Every batch with id <= upTo, in id order. */
  refsUpTo(upTo: number): BatchRef[];
  /** Up to `limit` batches with afterId < id < beforeId, metrics arrived before metricsBefore, logs before logsBefore. */
  refsArrivedBefore(
    range: { afterId: number; beforeId: number; limit: number },
    cutoffs: { metricsBefore: number; logsBefore: number },
  ): BatchRef[];
}

const BATCH_COLUMNS = `id, node_id, stream_id, seq, signal, received_at_ms, content_type, content_encoding, payload,
  point_count, event_count`;

export function createBatchReads(db: SqliteDatabase): BatchReads {
  const statements = {
    after: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id > ? ORDER BY id LIMIT ?`),
    byId: db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`),
    firstId: db.prepare('SELECT min(id) FROM batches').pluck(),
    lastId: db.prepare('SELECT max(id) FROM batches').pluck(),
    firstNewer: db.prepare('SELECT id FROM batches WHERE received_at_ms >= ? ORDER BY id LIMIT 1').pluck(),
    lastBefore: db
      .prepare('SELECT id FROM batches WHERE received_at_ms < ? ORDER BY id DESC LIMIT 1')
      .pluck(),
    queue: db.prepare(
      'SELECT count(*) AS batches, coalesce(sum(length(payload)), 0) AS bytes, min(received_at_ms) AS oldest FROM batches WHERE id > ?',
    ),
    countBetween: db.prepare('SELECT count(*) FROM batches WHERE id > ? AND id <= ?').pluck(),
    refsUpTo: db.prepare(
      'SELECT id, node_id AS nodeId, signal, received_at_ms AS receivedAtMs FROM batches WHERE id <= ? ORDER BY id',
    ),
    refsArrivedBefore: db.prepare(
      `SELECT id, node_id AS nodeId, signal, received_at_ms AS receivedAtMs FROM batches
       WHERE id > ? AND id < ? AND ((signal = 'metrics' AND received_at_ms < ?) OR (signal = 'logs' AND received_at_ms < ?))
       ORDER BY id LIMIT ?`,
    ),
  };
  return {
    after(afterId, limit, maxBytes) {
      const batches: StoredBatch[] = [];
      let bytes = 0;
      for (const row of statements.after.iterate(afterId, limit) as IterableIterator<
        Record<string, unknown>
      >) {
        const batch = toStoredBatch(row);
        if (batches.length > 0 && bytes + batch.payload.byteLength > maxBytes) {
          break;
        }
        bytes += batch.payload.byteLength;
        batches.push(batch);
      }
      return batches;
    },
    byId(id) {
      const row = statements.byId.get(id) as Record<string, unknown> | undefined;
      return row ? toStoredBatch(row) : undefined;
    },
    firstId: () => (statements.firstId.get() as number | null) ?? null,
    lastId: () => (statements.lastId.get() as number | null) ?? null,
    firstIdAtOrAfter: (atMs) => statements.firstNewer.get(atMs) as number | undefined,
    lastIdBefore: (atMs) => statements.lastBefore.get(atMs) as number | undefined,
    queueAfter(afterId) {
      const row = statements.queue.get(afterId) as { batches: number; bytes: number; oldest: number | null };
      return { batches: row.batches, bytes: row.bytes, oldestReceivedAtMs: row.oldest };
    },
    countBetween: (afterId, upTo) => statements.countBetween.get(afterId, upTo) as number,
    refsUpTo: (upTo) => statements.refsUpTo.all(upTo) as BatchRef[],
    refsArrivedBefore: (range, cutoffs) =>
      statements.refsArrivedBefore.all(
        range.afterId,
        range.beforeId,
        cutoffs.metricsBefore,
        cutoffs.logsBefore,
        range.limit,
      ) as BatchRef[],
  };
}

function toStoredBatch(row: Record<string, unknown>): StoredBatch {
  return {
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
  };
}
