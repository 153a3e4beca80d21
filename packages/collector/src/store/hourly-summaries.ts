import type { BatchRef } from './batch-reads.ts';
import type { SqliteDatabase } from './db.ts';
import { decodeSampleBlock } from './sample-block.ts';

/**
 * Metric detail folded into hourly per-series summaries and per-node activity (batches, intervals
 * with data) before a prune removes it, so evidence keeps coverage for the whole summaries period.
 */
export const HOUR_MS = 3_600_000;

export interface HourlySummaries {
  /** Folds these metric batches (still stored) into the summaries; call inside the prune's transaction. */
  fold(metricBatches: readonly BatchRef[]): void;
  /** Deletes summary and activity rows of hours before `beforeMs`; returns how many. */
  pruneBefore(beforeMs: number): number;
}

export function createHourlySummaries(db: SqliteDatabase): HourlySummaries {
  const statements = {
    block: db.prepare('SELECT samples FROM sample_blocks WHERE batch_id = ?').pluck(),
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
    pruneSummaries: db.prepare('DELETE FROM metric_summaries WHERE hour_ms < ?'),
    pruneActivity: db.prepare('DELETE FROM node_activity WHERE hour_ms < ?'),
  };
  return {
    fold(metrics) {
      const byNode = new Map<string, BatchRef[]>();
      for (const batch of metrics) {
        byNode.set(batch.nodeId, [...(byNode.get(batch.nodeId) ?? []), batch]);
      }
      for (const [nodeId, list] of byNode) {
        // The interval is the node's median spacing of arrivals.
        const intervalMs = usualIntervalMs(list.map((batch) => batch.receivedAtMs));
        const hours = new Map<number, { batches: number; intervals: Set<number> }>();
        // key "hour:series" → [hour, series, count, min, max, sum, last time, last value]
        const series = new Map<string, number[]>();
        for (const batch of list) {
          const hour = Math.floor(batch.receivedAtMs / HOUR_MS) * HOUR_MS;
          const h = hours.get(hour) ?? { batches: 0, intervals: new Set<number>() };
          h.batches++;
          h.intervals.add(Math.floor((batch.receivedAtMs - hour) / intervalMs));
          hours.set(hour, h);
          const samples = statements.block.get(batch.id) as Uint8Array | undefined;
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
    },
    pruneBefore: (beforeMs) =>
      statements.pruneSummaries.run(beforeMs).changes + statements.pruneActivity.run(beforeMs).changes,
  };
}

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
