import { statfsSync } from 'node:fs';
import type { SqliteDatabase } from '../store/db.ts';

/**
 * Keeps the store inside its disk budget without ever stopping ingest. First, batches that every
 * configured sink has forwarded (and that are not waiting as dead letters) and that are older than
 * the retention are pruned. Only when the store is still over `maxBytes`, or the filesystem has
 * less than `minFreeBytes` free, are the oldest batches dropped whether forwarded or not: every
 * sink whose cursor had not passed them records the drop (forward_drops) and counts it
 * (perimeter_forward_dropped_total), and its cursor moves past them.
 *
 * The hash chain stays verifiable: pruning removes a prefix of each node's chain, and each removed
 * range is recorded in pruned_ranges with the prev_hash of its first batch and the hash of its
 * last, so a verifier checks that the first surviving batch's prev_hash equals the last pruned
 * hash (and that ranges link up back to the genesis hash) - the hole is explained, never silent.
 * Used bytes are pages in use (page_count − freelist_count): freed pages are reused by SQLite, so
 * the file stops growing without a VACUUM that would block ingest.
 */
export interface QuotaConfig {
  retentionMs: number;
  maxBytes?: number | undefined;
  minFreeBytes: number;
}

export interface QuotaResult {
  pruned: number;
  dropped: number;
  overQuota: boolean;
}

const CHUNK = 500;

export interface Quota {
  enforce(sinks: readonly string[], nowMs: number): QuotaResult;
  usedBytes(): number;
}

export function createQuota(
  db: SqliteDatabase,
  dataDir: string,
  config: QuotaConfig,
  onDropped: (sink: string, batches: number) => void,
  freeBytes: () => number = () => {
    const stats = statfsSync(dataDir);
    return stats.bavail * stats.bsize;
  },
): Quota {
  const statements = {
    pageCount: db.prepare('PRAGMA page_count').pluck(),
    freelist: db.prepare('PRAGMA freelist_count').pluck(),
    pageSize: db.prepare('PRAGMA page_size').pluck(),
    cursor: db.prepare('SELECT batch_id FROM forward_cursors WHERE sink = ?').pluck(),
    firstOpenDeadLetter: db
      .prepare('SELECT min(batch_id) FROM forward_dead_letters WHERE resolved_at_ms IS NULL')
      .pluck(),
    firstBatch: db.prepare('SELECT min(id) FROM batches').pluck(),
    firstNewer: db.prepare('SELECT id FROM batches WHERE received_at_ms >= ? ORDER BY id LIMIT 1').pluck(),
    lastBatch: db.prepare('SELECT max(id) FROM batches').pluck(),
    nodeRanges: db.prepare(
      `SELECT node_id, min(id) AS first_id, max(id) AS last_id, count(*) AS n, min(seq) AS min_seq, max(seq) AS max_seq,
         min(received_at_ms) AS min_at, max(received_at_ms) AS max_at
       FROM batches WHERE id <= ? GROUP BY node_id`,
    ),
    hashes: db.prepare('SELECT prev_hash, hash FROM batches WHERE id = ?'),
    holesInside: db
      .prepare(
        'SELECT count(*) FROM pruned_ranges WHERE node_id = ? AND from_batch_id > ? AND from_batch_id < ?',
      )
      .pluck(),
    nodeLinks: db.prepare(
      'SELECT id, seq, received_at_ms, prev_hash, hash FROM batches WHERE node_id = ? AND id <= ? ORDER BY id',
    ),
    insertRange: db.prepare(
      `INSERT INTO pruned_ranges (node_id, from_batch_id, to_batch_id, batch_count, min_seq, max_seq, min_received_at_ms,
         max_received_at_ms, first_prev_hash, last_hash, reason, pruned_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    firstEventAfter: db.prepare('SELECT id FROM events WHERE batch_id > ? ORDER BY id LIMIT 1').pluck(),
    deleteEventsBefore: db.prepare('DELETE FROM events WHERE id < ?'),
    deleteAllEvents: db.prepare('DELETE FROM events WHERE batch_id <= ?'),
    deleteBlocks: db.prepare('DELETE FROM sample_blocks WHERE batch_id <= ?'),
    deleteBatches: db.prepare('DELETE FROM batches WHERE id <= ?'),
    countAfter: db.prepare('SELECT count(*) FROM batches WHERE id > ? AND id <= ?').pluck(),
    setCursor: db.prepare(
      `INSERT INTO forward_cursors (sink, batch_id, updated_at_ms) VALUES (?, ?, ?)
       ON CONFLICT(sink) DO UPDATE SET batch_id = max(batch_id, excluded.batch_id), updated_at_ms = excluded.updated_at_ms`,
    ),
    insertDrop: db.prepare(
      'INSERT INTO forward_drops (sink, from_batch_id, to_batch_id, batches, reason, at_ms) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };

  const usedBytes = () =>
    ((statements.pageCount.get() as number) - (statements.freelist.get() as number)) *
    (statements.pageSize.get() as number);

  /** Deletes batches with id <= upTo (a prefix), recording each node's range and its chain edges. */
  const prunePrefix = db.transaction((upTo: number, reason: 'retention' | 'quota', nowMs: number): number => {
    let removed = 0;
    for (const range of statements.nodeRanges.all(upTo) as Array<Record<string, number | string | null>>) {
      // Retention (src/evidence/retention.ts) may already have pruned runs of this node's chain
      // inside the prefix: record one range per chain-contiguous run, so every range links up.
      if ((statements.holesInside.get(range.node_id, range.first_id, range.last_id) as number) > 0) {
        removed += recordRuns(range.node_id as string, upTo, reason, nowMs);
        continue;
      }
      const first = statements.hashes.get(range.first_id) as { prev_hash: string };
      const last = statements.hashes.get(range.last_id) as { hash: string };
      statements.insertRange.run(
        range.node_id,
        range.first_id,
        range.last_id,
        range.n,
        range.min_seq,
        range.max_seq,
        range.min_at,
        range.max_at,
        first.prev_hash,
        last.hash,
        reason,
        nowMs,
      );
      removed += range.n as number;
    }
    // events.id grows with batch_id (both written in the ingest transaction): delete by rowid range.
    const firstKept = statements.firstEventAfter.get(upTo) as number | undefined;
    if (firstKept === undefined) {
      statements.deleteAllEvents.run(upTo);
    } else {
      statements.deleteEventsBefore.run(firstKept);
    }
    statements.deleteBlocks.run(upTo);
    statements.deleteBatches.run(upTo);
    return removed;
  });

  /** Splits a node's batches up to `upTo` where a recorded hole breaks the link; returns the count. */
  const recordRuns = (nodeId: string, upTo: number, reason: 'retention' | 'quota', nowMs: number): number => {
    type Link = { id: number; seq: number | null; received_at_ms: number; prev_hash: string; hash: string };
    let run: Link[] = [];
    let count = 0;
    const flush = () => {
      const first = run[0];
      const last = run[run.length - 1];
      if (first === undefined || last === undefined) {
        return;
      }
      const seqs = run.map((l) => l.seq).filter((q): q is number => q !== null);
      const times = run.map((l) => l.received_at_ms);
      statements.insertRange.run(
        nodeId,
        first.id,
        last.id,
        run.length,
        seqs.length === 0 ? null : Math.min(...seqs),
        seqs.length === 0 ? null : Math.max(...seqs),
        Math.min(...times),
        Math.max(...times),
        first.prev_hash,
        last.hash,
        reason,
        nowMs,
      );
      count += run.length;
      run = [];
    };
    for (const link of statements.nodeLinks.all(nodeId, upTo) as Link[]) {
      const previous = run[run.length - 1];
      if (previous !== undefined && link.prev_hash !== previous.hash) {
        flush();
      }
      run.push(link);
    }
    flush();
    return count;
  };

  const dropForQuota = db.transaction((sinks: readonly string[], upTo: number, nowMs: number) => {
    const first = (statements.firstBatch.get() as number | null) ?? upTo;
    for (const sink of sinks) {
      const cursor = (statements.cursor.get(sink) as number | undefined) ?? 0;
      if (cursor < upTo) {
        const lost = statements.countAfter.get(cursor, upTo) as number;
        if (lost > 0) {
          statements.insertDrop.run(sink, Math.max(first, cursor + 1), upTo, lost, 'hard_quota', nowMs);
          onDropped(sink, lost);
        }
        statements.setCursor.run(sink, upTo, nowMs);
      }
    }
    return prunePrefix(upTo, 'quota', nowMs);
  });

  const freelistBytes = () => (statements.freelist.get() as number) * (statements.pageSize.get() as number);
  // A nearly full disk: drop until the store holds minFreeBytes of reusable pages of its own, so
  // ingest can go on writing without the file growing (bounded: never more than that margin).
  const overQuota = () =>
    (config.maxBytes !== undefined && usedBytes() > config.maxBytes) ||
    (freeBytes() < config.minFreeBytes && freelistBytes() < config.minFreeBytes);

  /** How far over: bytes past maxBytes, or reusable bytes short of minFreeBytes on a full disk. */
  const excessBytes = () =>
    Math.max(
      config.maxBytes === undefined ? 0 : usedBytes() - config.maxBytes,
      freeBytes() < config.minFreeBytes ? config.minFreeBytes - freelistBytes() : 0,
      0,
    );

  return {
    usedBytes,
    enforce(sinks, nowMs) {
      let pruned = 0;
      let dropped = 0;
      // With no sink, nothing is "forwarded": the store is the only copy and `retention` governs.
      if (config.retentionMs > 0 && sinks.length > 0) {
        let limit = Number.POSITIVE_INFINITY;
        for (const sink of sinks) {
          limit = Math.min(limit, (statements.cursor.get(sink) as number | undefined) ?? 0);
        }
        const deadLetter = statements.firstOpenDeadLetter.get() as number | null;
        if (deadLetter !== null) {
          limit = Math.min(limit, deadLetter - 1);
        }
        const newer = statements.firstNewer.get(nowMs - config.retentionMs) as number | undefined;
        limit = Math.min(
          limit,
          newer === undefined ? ((statements.lastBatch.get() as number | null) ?? 0) : newer - 1,
        );
        const first = statements.firstBatch.get() as number | null;
        if (first !== null && limit >= first) {
          for (let upTo = first + CHUNK - 1; ; upTo += CHUNK) {
            pruned += prunePrefix.immediate(Math.min(upTo, limit), 'retention', nowMs);
            if (upTo >= limit) {
              break;
            }
          }
        }
      }
      // Drop the oldest, about as many batches as the excess holds (at most CHUNK a transaction),
      // until back under the quota or nothing is left to drop.
      while (overQuota()) {
        const first = statements.firstBatch.get() as number | null;
        const last = statements.lastBatch.get() as number | null;
        if (first === null || last === null) {
          break;
        }
        // Ids are dense but for pruned prefixes, so last − first + 1 is the batch count.
        const bytesPerBatch = usedBytes() / (last - first + 1);
        const wanted = Math.ceil((excessBytes() / Math.max(1, bytesPerBatch)) * 1.1);
        const upTo = Math.min(last, first + Math.min(CHUNK, Math.max(1, wanted)) - 1);
        dropped += dropForQuota.immediate(sinks, upTo, nowMs);
        if (upTo === last) {
          break;
        }
      }
      return { pruned, dropped, overQuota: overQuota() };
    },
  };
}
