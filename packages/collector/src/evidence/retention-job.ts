import type { CollectorConfig } from '@perimeter/schema';
import { createRetention } from './retention.ts';

/**
 * The retention policy on a timer, inside the collector: a first run shortly after start, then
 * every `retention.checkInterval`. Each prune chunk is one short write transaction on the
 * collector's connection, so ingest waits at most one chunk. A failed run logs and tries again.
 */
export interface RetentionJob {
  runOnce(): void;
  stop(): void;
}

export function startRetentionJob(deps: {
  config: CollectorConfig;
  store: Parameters<typeof createRetention>[0];
  log: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  nowMs: () => number;
  firstRunDelayMs?: number;
}): RetentionJob {
  const { config, log, nowMs } = deps;
  const retention = createRetention(deps.store, config.retention);
  let running = false;
  const runOnce = () => {
    if (running) {
      return;
    }
    running = true;
    try {
      const result = retention.enforce(nowMs());
      if (result.metricBatches + result.logBatches + result.summaryRowsPruned + result.seriesEvicted > 0) {
        log.info({ ...result }, 'retention: pruned');
      }
    } catch (error) {
      log.error({ err: error }, 'retention run failed; will try again');
    } finally {
      running = false;
    }
  };
  const first = setTimeout(runOnce, deps.firstRunDelayMs ?? 5_000);
  first.unref();
  const timer = setInterval(runOnce, config.retention.checkInterval);
  timer.unref();
  return {
    runOnce,
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
