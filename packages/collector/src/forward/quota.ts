import { statfsSync } from 'node:fs';
import type { StoreTables } from '../store/store-file.ts';

/**
 * Keeps the store inside its disk budget without ever stopping ingest. First, batches that every
 * configured sink has forwarded (and that are not waiting as dead letters) and that are older than
 * the retention are pruned. Only when the store is still over `maxBytes`, or the filesystem has
 * less than `minFreeBytes` free, are the oldest batches dropped whether forwarded or not: every
 * sink whose cursor had not passed them records the drop (forward_drops) and counts it
 * (perimeter_forward_dropped_total), and its cursor moves past them.
 *
 * This is a policy: it picks a prefix of batches and hands the store a plan; `store.prune` deletes
 * them and records each node's pruned range (the chain stays verifiable) with the setting that
 * made it due: `storage.retention` for forwarded data, `storage.maxBytes` or `storage.minFreeBytes`
 * for a hard-quota drop.
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
  store: Pick<StoreTables, 'batches' | 'forward' | 'space' | 'prune'>,
  dataDir: string,
  config: QuotaConfig,
  onDropped: (sink: string, batches: number) => void,
  freeBytes: () => number = () => {
    const stats = statfsSync(dataDir);
    return stats.bavail * stats.bsize;
  },
): Quota {
  const { batches, space } = store;
  const usedBytes = () => space.usedBytes();
  const overMaxBytes = () => config.maxBytes !== undefined && usedBytes() > config.maxBytes;
  // A nearly full disk: drop until the store holds minFreeBytes of reusable pages of its own, so
  // ingest can go on writing without the file growing (bounded: never more than that margin).
  const diskNearlyFull = () =>
    freeBytes() < config.minFreeBytes && space.freelistBytes() < config.minFreeBytes;
  const overQuota = () => overMaxBytes() || diskNearlyFull();

  /** How far over: bytes past maxBytes, or reusable bytes short of minFreeBytes on a full disk. */
  const excessBytes = () =>
    Math.max(
      config.maxBytes === undefined ? 0 : usedBytes() - config.maxBytes,
      freeBytes() < config.minFreeBytes ? config.minFreeBytes - space.freelistBytes() : 0,
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
          limit = Math.min(limit, store.forward.cursor(sink));
        }
        const deadLetter = store.forward.firstOpenDeadLetterBatch();
        if (deadLetter !== null) {
          limit = Math.min(limit, deadLetter - 1);
        }
        const newer = batches.firstIdAtOrAfter(nowMs - config.retentionMs);
        limit = Math.min(limit, newer === undefined ? (batches.lastId() ?? 0) : newer - 1);
        const first = batches.firstId();
        if (first !== null && limit >= first) {
          for (let upTo = first + CHUNK - 1; ; upTo += CHUNK) {
            const result = store.prune({
              policy: 'retention',
              setting: `storage.retention=${config.retentionMs}`,
              batches: batches.refsUpTo(Math.min(upTo, limit)),
              keepHourlySummaries: false,
              nowMs,
            });
            pruned += result.metricBatches + result.logBatches;
            if (upTo >= limit) {
              break;
            }
          }
        }
      }
      // Drop the oldest, about as many batches as the excess holds (at most CHUNK a transaction),
      // until back under the quota or nothing is left to drop.
      while (overQuota()) {
        const first = batches.firstId();
        const last = batches.lastId();
        if (first === null || last === null) {
          break;
        }
        // Ids are dense but for pruned prefixes, so last − first + 1 is the batch count.
        const bytesPerBatch = usedBytes() / (last - first + 1);
        const wanted = Math.ceil((excessBytes() / Math.max(1, bytesPerBatch)) * 1.1);
        const upTo = Math.min(last, first + Math.min(CHUNK, Math.max(1, wanted)) - 1);
        const result = store.prune({
          policy: 'quota',
          setting: overMaxBytes()
            ? `storage.maxBytes=${config.maxBytes}`
            : `storage.minFreeBytes=${config.minFreeBytes}`,
          batches: batches.refsUpTo(upTo),
          keepHourlySummaries: false,
          dropUnforwardedFor: sinks,
          nowMs,
        });
        for (const drop of result.dropped) {
          onDropped(drop.sink, drop.batches);
        }
        dropped += result.metricBatches + result.logBatches;
        if (upTo === last) {
          break;
        }
      }
      return { pruned, dropped, overQuota: overQuota() };
    },
  };
}
