import type { SqliteDatabase } from './db.ts';
import { readSamples } from './sample-block.ts';
import { seriesIdleBeforeMs } from './series-index.ts';

/**
 * The newest sample of every series, for /metrics. Kept in memory and checkpointed to the series
 * table with the last sample block it covers; after a crash the start-up scan replays only the
 * blocks written since that checkpoint, so /metrics is exact without a per-point UPDATE on the hot path.
 */
export interface LatestSample {
  tsMs: number;
  value: number;
}

export interface LatestValues {
  observe(seriesId: number, tsMs: number, value: number): void;
  get(seriesId: number): LatestSample | undefined;
  entries(): IterableIterator<[number, LatestSample]>;
  /** Series whose newest point is older than `beforeMs` (idle past retention). */
  idleBefore(beforeMs: number): number[];
  /** Lets these series leave memory; checkpoint first so their rows keep the newest value. */
  forget(ids: Iterable<number>): void;
  checkpoint(): void;
}

const CHECKPOINT_KEY = 'latest_checkpoint_block_batch_id';

export function loadLatestValues(db: SqliteDatabase): LatestValues {
  const latest = new Map<number, LatestSample>();
  const dirty = new Set<number>();

  // Series that went idle past retention stay on disk only (series-index.ts).
  const idleBefore = seriesIdleBeforeMs(db);
  for (const row of db
    .prepare('SELECT id, last_ts_ms, last_value FROM series WHERE last_ts_ms >= ?')
    .iterate(Number.isFinite(idleBefore) ? idleBefore : Number.MIN_SAFE_INTEGER) as IterableIterator<{
    id: number;
    last_ts_ms: number;
    last_value: number | null;
  }>) {
    latest.set(row.id, { tsMs: row.last_ts_ms, value: row.last_value ?? Number.NaN });
  }
  const checkpointRow = db.prepare('SELECT value FROM meta WHERE key = ?').get(CHECKPOINT_KEY) as
    | { value: string }
    | undefined;
  const sinceBatchId = checkpointRow ? Number(checkpointRow.value) : 0;

  const observe = (seriesId: number, tsMs: number, value: number) => {
    const current = latest.get(seriesId);
    // A late batch (an agent draining its spool) must not replace a newer reading.
    if (current === undefined || tsMs >= current.tsMs) {
      latest.set(seriesId, { tsMs, value });
      dirty.add(seriesId);
    }
  };

  for (const [seriesId, tsMs, value] of readSamples(db, { afterBatchId: sinceBatchId })) {
    observe(seriesId, tsMs, value);
  }

  const update = db.prepare('UPDATE series SET last_ts_ms = ?, last_value = ? WHERE id = ?');
  const saveMark = db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const maxRowid = db.prepare('SELECT coalesce(max(batch_id), 0) AS max FROM sample_blocks').pluck();
  const checkpoint = db.transaction(() => {
    for (const id of dirty) {
      const sample = latest.get(id);
      if (sample) {
        update.run(sample.tsMs, sample.value, id);
      }
    }
    saveMark.run(CHECKPOINT_KEY, String(maxRowid.get()));
    dirty.clear();
  });

  return {
    observe,
    get: (id) => latest.get(id),
    entries: () => latest.entries(),
    idleBefore(beforeMs) {
      const ids: number[] = [];
      for (const [id, sample] of latest) {
        if (sample.tsMs < beforeMs) ids.push(id);
      }
      return ids;
    },
    forget(ids) {
      for (const id of ids) {
        latest.delete(id);
        dirty.delete(id);
      }
    },
    checkpoint: () => {
      if (dirty.size > 0) {
        checkpoint();
      }
    },
  };
}
