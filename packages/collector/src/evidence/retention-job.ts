import type { CollectorConfig } from '@perimeter/schema';
import { openStoreDatabase } from '../store/db.ts';
import { createRetention } from './retention.ts';

/**
 * The retention policy on a timer, beside `serve`: its own connection to the store (WAL; each
 * prune chunk is one short write transaction, so ingest waits at most one chunk), a first run
 * shortly after start, then every `retention.checkInterval`. A failed run logs and tries again.
 */
export interface RetentionJob {
  runOnce(): void;
  stop(): void;
}

export function startRetentionJob(deps: {
  config: CollectorConfig;
  log: { info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  nowMs: () => number;
  firstRunDelayMs?: number;
}): RetentionJob {
  const { config, log, nowMs } = deps;
  const db = openStoreDatabase({ dataDir: config.dataDir });
  const retention = createRetention(db, config.retention);
  let running = false;
  const runOnce = () => {
    if (running) {
      return;
    }
    running = true;
    try {
      const result = retention.enforce(nowMs());
      if (result.metricBatches + result.logBatches + result.summaryRowsPruned > 0) {
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
      db.close();
    },
  };
}
