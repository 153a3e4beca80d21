import type { CollectorConfig } from '@perimeter/schema';
import type { Logger } from 'pino';
import type { StoreTables } from '../store/store-file.ts';
import { makeCheckpoint, type ParsedCheckpoint } from './checkpoint.ts';
import { loadSigningKey } from './keys.ts';

/** How often the job looks for prunes a checkpoint does not cover yet: a prune is proven only once signed. */
const PRUNE_WATCH_MS = 10_000;

export interface CheckpointJob {
  /** Writes the shutdown checkpoint and stops the timers. */
  stop(): void;
}

/** The retention and quota settings a checkpoint signs (they decide which prunes are legitimate). */
export function signedSettings(
  config: Pick<CollectorConfig, 'retention' | 'storage'>,
): Record<string, unknown> {
  return { retention: config.retention, storage: config.storage };
}

/**
 * serve's signed checkpoints: one every `integrity.checkpointInterval`, one soon after any prune
 * (so the prune is covered), and one at shutdown; each is kept in the store and handed to
 * `onCheckpoint` (the forward sinks take it off the box). Without `integrity.signingKey` it says
 * once what that leaves unprotected and does nothing.
 */
export function startCheckpointJob(options: {
  config: CollectorConfig;
  store: Pick<StoreTables, 'integrity' | 'audit' | 'alerts'>;
  log: Logger;
  nowMs: () => number;
  onCheckpoint?: (checkpoint: ParsedCheckpoint) => void;
}): CheckpointJob {
  const { config, store, log, nowMs } = options;
  if (config.integrity.signingKey === undefined) {
    log.warn(
      'integrity checkpoints are off (no integrity.signingKey): the hash chains still show accidental damage, but whoever can write the store can rewrite a chain, the audit log or the pruning records and recompute every link undetected; run `perimeter-collector keys create` and set integrity.signingKey',
    );
    return { stop() {} };
  }
  const key = loadSigningKey(config.integrity.signingKey);
  // The pruned_ranges chain head changes with every range recorded or extended: O(1) to compare.
  const prunesNow = () => {
    const { head, count } = store.integrity.prunedChain();
    return `${count}:${head.lastId}:${head.hash}`;
  };
  let coveredPrunes = prunesNow();
  const write = (why: string) => {
    try {
      const covering = prunesNow();
      const checkpoint = makeCheckpoint(store, key, signedSettings(config), nowMs());
      coveredPrunes = covering;
      log.info(
        { seq: checkpoint.body.seq, hash: checkpoint.hash, keyId: key.keyId, why },
        'integrity checkpoint',
      );
      options.onCheckpoint?.(checkpoint);
    } catch (error) {
      log.error({ err: error, why }, 'integrity checkpoint failed');
    }
  };
  write('start');
  const interval = setInterval(() => write('interval'), config.integrity.checkpointInterval);
  const pruneWatch = setInterval(() => {
    if (prunesNow() !== coveredPrunes) {
      write('prune');
    }
  }, PRUNE_WATCH_MS);
  interval.unref();
  pruneWatch.unref();
  return {
    stop() {
      clearInterval(interval);
      clearInterval(pruneWatch);
      write('shutdown');
    },
  };
}
