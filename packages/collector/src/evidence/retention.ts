import { HOUR_MS } from '../store/hourly-summaries.ts';
import type { Store } from '../store/store.ts';
import type { StoreTables } from '../store/store-file.ts';

export { usualIntervalMs } from '../store/hourly-summaries.ts';

/**
 * The retention policy (config `retention`), by age of arrival: log batches and their events
 * after `retention.events`, metric batches and their sample blocks after `retention.metricDetail`
 * (cut on whole hours, after being folded into hourly per-series summaries and per-node activity,
 * which evidence uses for coverage), summaries after `retention.summaries`. This is a policy: it
 * picks the batches that are due and hands the store plans; `store.prune` deletes them and records
 * each node's pruned runs so the hash chain still verifies. In the running collector it also lets
 * series idle past the metric cutoff leave memory (`store.evictIdleSeries`), so a burst of
 * one-off series (a cardinality attack, a renamed label) does not stay in RAM and in /metrics.
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
  /** Series whose newest point is older than the metric cutoff that left memory. */
  seriesEvicted: number;
}

const CHUNK = 2_000;

export function metricCutoffMs(policy: RetentionPolicy, nowMs: number): number {
  return Math.floor((nowMs - policy.metricDetail) / HOUR_MS) * HOUR_MS;
}

export function createRetention(
  store: Pick<StoreTables, 'batches' | 'prune' | 'summaries'> & Partial<Pick<Store, 'evictIdleSeries'>>,
  policy: RetentionPolicy,
) {
  // Recorded with every pruned range: the settings (and their values) this policy prunes by.
  const setting = `retention.events=${policy.events},retention.metricDetail=${policy.metricDetail}`;
  return {
    policy,
    enforce(nowMs: number, onProgress?: (prunedSoFar: number) => void): RetentionResult {
      const result: RetentionResult = {
        metricBatches: 0,
        logBatches: 0,
        events: 0,
        summaryRowsPruned: 0,
        seriesEvicted: 0,
      };
      const metricCutoff = policy.metricDetail > 0 ? metricCutoffMs(policy, nowMs) : Number.NEGATIVE_INFINITY;
      const eventCutoff = policy.events > 0 ? nowMs - policy.events : Number.NEGATIVE_INFINITY;
      const newest = Math.max(metricCutoff, eventCutoff);
      if (Number.isFinite(newest)) {
        // Nothing past the first batch newer than both cutoffs can be due, so the scan stops there.
        const bound = store.batches.firstIdAtOrAfter(newest) ?? (store.batches.lastId() ?? 0) + 1;
        let after = 0;
        for (;;) {
          const due = store.batches.refsArrivedBefore(
            { afterId: after, beforeId: bound, limit: CHUNK },
            { metricsBefore: metricCutoff, logsBefore: eventCutoff },
          );
          const last = due[due.length - 1];
          if (last === undefined) {
            break;
          }
          const pruned = store.prune({
            policy: 'retention',
            setting,
            batches: due,
            keepHourlySummaries: true,
            nowMs,
          });
          result.metricBatches += pruned.metricBatches;
          result.logBatches += pruned.logBatches;
          result.events += pruned.events;
          after = last.id;
          onProgress?.(result.metricBatches + result.logBatches);
        }
      }
      // A short-lived command's store file has no series in memory: nothing to evict.
      if (policy.metricDetail > 0 && store.evictIdleSeries !== undefined) {
        result.seriesEvicted = store.evictIdleSeries(metricCutoff);
      }
      if (policy.summaries > 0) {
        result.summaryRowsPruned = store.summaries.pruneBefore(nowMs - policy.summaries);
      }
      return result;
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
