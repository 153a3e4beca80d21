import type { SqliteDatabase } from '../store/db.ts';
import { decodeSampleBlock } from '../store/sample-block.ts';

/**
 * The retention policy (config `retention`), enforced on the store by age of arrival. Invariant:
 * a node's hash chain verifies after any prune. Batches go whole (row, payload, and their events or
 * sample block), and every chain-contiguous run of a node's pruned batches is recorded in
 * pruned_ranges with the prev_hash of its first batch and the hash of its last, exactly as the
 * forward quota records its prefixes, so verify-chain.ts steps over each hole and checks its edges.
 * A run that directly follows the node's last retention range (its first prev_hash is that range's
 * last hash) extends it, so a year of pruning leaves a handful of rows, not one per chunk.
 * Metric detail is cut on whole hours, after being folded into hourly per-series summaries and
 * per-node activity (batches, intervals with data), which evidence uses for coverage.
 */
export interface RetentionPolicy {
  /** Log batches and their events; 0 keeps them. */
  events: number;
  /** Metric batches and their sample blocks; 0 keeps them. */
  metricDetail: number;
  /** metric_summaries and node_activity rows; 0 keeps them. */
  summaries: number;
}

export interface RetentionResult {
  metricBatches: number;
  logBatches: number;
  events: number;
  summaryRowsPruned: number;
}

const HOUR_MS = 3_600_000;
const CHUNK = 2_000;

interface Candidate {
  id: number;
  node_id: string;
  signal: string;
  received_at_ms: number;
}

interface Link {
  id: number;
  seq: number | null;
  received_at_ms: number;
  prev_hash: string;
  hash: string;
}

export function metricCutoffMs(policy: RetentionPolicy, nowMs: number): number {
  return Math.floor((nowMs - policy.metricDetail) / HOUR_MS) * HOUR_MS;
}

export function createRetention(db: SqliteDatabase, policy: RetentionPolicy) {
  const statements = {
    firstNewer: db.prepare('SELECT id FROM batches WHERE received_at_ms >= ? ORDER BY id LIMIT 1').pluck(),
    lastBatch: db.prepare('SELECT max(id) FROM batches').pluck(),
    candidates: db.prepare(
      `SELECT id, node_id, signal, received_at_ms FROM batches
       WHERE id > ? AND id < ? AND ((signal = 'metrics' AND received_at_ms < ?) OR (signal = 'logs' AND received_at_ms < ?))
       ORDER BY id LIMIT ${CHUNK}`,
    ),
    nodeLinks: db.prepare(
      'SELECT id, seq, received_at_ms, prev_hash, hash FROM batches WHERE node_id = ? AND id BETWEEN ? AND ? ORDER BY id',
    ),
    block: db.prepare('SELECT samples FROM sample_blocks WHERE batch_id = ?').pluck(),
    lastRange: db.prepare(
      `SELECT id, last_hash, reason FROM pruned_ranges WHERE node_id = ? ORDER BY to_batch_id DESC LIMIT 1`,
    ),
    extendRange: db.prepare(
      `UPDATE pruned_ranges SET to_batch_id = ?, batch_count = batch_count + ?, min_seq = min(coalesce(min_seq, ?), ?),
         max_seq = max(coalesce(max_seq, ?), ?), max_received_at_ms = max(max_received_at_ms, ?), last_hash = ?, pruned_at_ms = ?
       WHERE id = ?`,
    ),
    insertRange: db.prepare(
      `INSERT INTO pruned_ranges (node_id, from_batch_id, to_batch_id, batch_count, min_seq, max_seq, min_received_at_ms,
         max_received_at_ms, first_prev_hash, last_hash, reason, pruned_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'retention', ?)`,
    ),
    summary: db.prepare(
      `INSERT INTO metric_summaries (node_id, hour_ms, series_id, count, min, max, sum, last_ts_ms, last)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id, hour_ms, series_id) DO UPDATE SET count = count + excluded.count,
         min = min(min, excluded.min), max = max(max, excluded.max), sum = sum + excluded.sum,
         last = iif(excluded.last_ts_ms >= last_ts_ms, excluded.last, last), last_ts_ms = max(last_ts_ms, excluded.last_ts_ms)`,
    ),
    activity: db.prepare(
      `INSERT INTO node_activity (node_id, hour_ms, batches, interval_ms, intervals_with_data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (node_id, hour_ms) DO UPDATE SET batches = batches + excluded.batches,
         intervals_with_data = min(intervals_with_data + excluded.intervals_with_data, ${HOUR_MS} / interval_ms)`,
    ),
    eventUpper: db.prepare('SELECT id FROM events WHERE batch_id > ? ORDER BY id LIMIT 1').pluck(),
    deleteEvents: db.prepare(
      'DELETE FROM events WHERE id < ? AND batch_id IN (SELECT value FROM json_each(?))',
    ),
    deleteBlock: db.prepare('DELETE FROM sample_blocks WHERE batch_id = ?'),
    deleteBatch: db.prepare('DELETE FROM batches WHERE id = ?'),
    pruneSummaries: db.prepare('DELETE FROM metric_summaries WHERE hour_ms < ?'),
    pruneActivity: db.prepare('DELETE FROM node_activity WHERE hour_ms < ?'),
  };

  /** Folds metric batches into hourly summaries and activity (interval: the node's median spacing). */
  const summarise = (metrics: Candidate[]) => {
    const byNode = new Map<string, Candidate[]>();
    for (const c of metrics) {
      byNode.set(c.node_id, [...(byNode.get(c.node_id) ?? []), c]);
    }
    for (const [nodeId, list] of byNode) {
      const intervalMs = usualIntervalMs(list.map((c) => c.received_at_ms));
      const hours = new Map<number, { batches: number; intervals: Set<number> }>();
      // key "hour:series" → [hour, series, count, min, max, sum, last time, last value]
      const series = new Map<string, number[]>();
      for (const c of list) {
        const hour = Math.floor(c.received_at_ms / HOUR_MS) * HOUR_MS;
        const h = hours.get(hour) ?? { batches: 0, intervals: new Set<number>() };
        h.batches++;
        h.intervals.add(Math.floor((c.received_at_ms - hour) / intervalMs));
        hours.set(hour, h);
        const samples = statements.block.get(c.id) as Uint8Array | undefined;
        if (samples === undefined) {
          continue;
        }
        for (const [seriesId, tsMs, value] of decodeSampleBlock(samples)) {
          const key = `${hour}:${seriesId}`;
          const s = series.get(key);
          if (s === undefined) {
            series.set(key, [hour, seriesId, 1, value, value, value, tsMs, value]);
            continue;
          }
          s[2] = (s[2] as number) + 1;
          s[3] = Math.min(s[3] as number, value);
          s[4] = Math.max(s[4] as number, value);
          s[5] = (s[5] as number) + value;
          if (tsMs >= (s[6] as number)) {
            s[6] = tsMs;
            s[7] = value;
          }
        }
      }
      for (const s of series.values()) {
        statements.summary.run(nodeId, ...s);
      }
      for (const [hour, h] of hours) {
        statements.activity.run(nodeId, hour, h.batches, intervalMs, h.intervals.size);
      }
    }
  };

  /** Records each node's chain-contiguous runs of pruned batches, extending the last range if adjacent. */
  const recordRanges = (chunk: Candidate[], nowMs: number) => {
    const pruned = new Set(chunk.map((c) => c.id));
    const nodes = new Map<string, { min: number; max: number }>();
    for (const c of chunk) {
      const n = nodes.get(c.node_id);
      nodes.set(c.node_id, { min: Math.min(n?.min ?? c.id, c.id), max: Math.max(n?.max ?? c.id, c.id) });
    }
    for (const [nodeId, { min, max }] of nodes) {
      let run: Link[] = [];
      const flush = () => {
        const first = run[0];
        const last = run[run.length - 1];
        if (first === undefined || last === undefined) {
          return;
        }
        const seqs = run.map((l) => l.seq).filter((q): q is number => q !== null);
        const minSeq = seqs.length === 0 ? null : Math.min(...seqs);
        const maxSeq = seqs.length === 0 ? null : Math.max(...seqs);
        const minAt = Math.min(...run.map((l) => l.received_at_ms));
        const maxAt = Math.max(...run.map((l) => l.received_at_ms));
        const previous = statements.lastRange.get(nodeId) as
          | { id: number; last_hash: string; reason: string }
          | undefined;
        if (
          previous !== undefined &&
          previous.reason === 'retention' &&
          previous.last_hash === first.prev_hash
        ) {
          statements.extendRange.run(
            last.id,
            run.length,
            minSeq,
            minSeq,
            maxSeq,
            maxSeq,
            maxAt,
            last.hash,
            nowMs,
            previous.id,
          );
        } else {
          statements.insertRange.run(
            nodeId,
            first.id,
            last.id,
            run.length,
            minSeq,
            maxSeq,
            minAt,
            maxAt,
            first.prev_hash,
            last.hash,
            nowMs,
          );
        }
        run = [];
      };
      for (const link of statements.nodeLinks.all(nodeId, min, max) as Link[]) {
        if (pruned.has(link.id)) {
          run.push(link);
        } else {
          flush();
        }
      }
      flush();
    }
  };

  const pruneChunk = db.transaction((chunk: Candidate[], nowMs: number): { events: number } => {
    summarise(chunk.filter((c) => c.signal === 'metrics'));
    recordRanges(chunk, nowMs);
    const logs = chunk.filter((c) => c.signal !== 'metrics').map((c) => c.id);
    let events = 0;
    if (logs.length > 0) {
      const upper =
        (statements.eventUpper.get(Math.max(...logs)) as number | undefined) ?? Number.MAX_SAFE_INTEGER;
      events = statements.deleteEvents.run(upper, JSON.stringify(logs)).changes;
    }
    for (const c of chunk) {
      if (c.signal === 'metrics') {
        statements.deleteBlock.run(c.id);
      }
      statements.deleteBatch.run(c.id);
    }
    return { events };
  });

  return {
    policy,
    enforce(nowMs: number, onProgress?: (prunedSoFar: number) => void): RetentionResult {
      const result: RetentionResult = { metricBatches: 0, logBatches: 0, events: 0, summaryRowsPruned: 0 };
      const metricCutoff = policy.metricDetail > 0 ? metricCutoffMs(policy, nowMs) : Number.NEGATIVE_INFINITY;
      const eventCutoff = policy.events > 0 ? nowMs - policy.events : Number.NEGATIVE_INFINITY;
      const newest = Math.max(metricCutoff, eventCutoff);
      if (Number.isFinite(newest)) {
        // Arrival time grows with id (batches are written as they arrive): nothing past the first
        // batch newer than both cutoffs can be due, so the scan stops there.
        const bound =
          (statements.firstNewer.get(newest) as number | undefined) ??
          ((statements.lastBatch.get() as number | null) ?? 0) + 1;
        let after = 0;
        for (;;) {
          const chunk = statements.candidates.all(after, bound, metricCutoff, eventCutoff) as Candidate[];
          if (chunk.length === 0) {
            break;
          }
          const { events } = pruneChunk.immediate(chunk, nowMs);
          result.events += events;
          for (const c of chunk) {
            if (c.signal === 'metrics') {
              result.metricBatches++;
            } else {
              result.logBatches++;
            }
          }
          after = (chunk[chunk.length - 1] as Candidate).id;
          onProgress?.(result.metricBatches + result.logBatches);
        }
      }
      if (policy.summaries > 0) {
        const cutoff = nowMs - policy.summaries;
        result.summaryRowsPruned =
          statements.pruneSummaries.run(cutoff).changes + statements.pruneActivity.run(cutoff).changes;
      }
      return result;
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;

/** The median spacing of arrival times (at least 1 s); 60 s when there are too few to tell. */
export function usualIntervalMs(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  const deltas: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const d = (sorted[i] as number) - (sorted[i - 1] as number);
    if (d > 0) {
      deltas.push(d);
    }
  }
  if (deltas.length === 0) {
    return 60_000;
  }
  deltas.sort((a, b) => a - b);
  return Math.max(1000, deltas[Math.floor(deltas.length / 2)] as number);
}
