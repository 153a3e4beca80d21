import type { SqliteDatabase } from './db.ts';

/**
 * The collector's own series the alert engine samples each cycle (auth counters, node last-seen,
 * forward lag), kept for the longest rule window so rate() survives a restart (migration 4).
 * A cycle is one row: (series id, value) pairs as float64.
 */
export interface OwnSeriesRow {
  id: number;
  metric: string;
  labelsJson: string;
}

export interface OwnSample {
  seriesId: number | undefined;
  metric: string;
  labelsJson: string;
  value: number;
}

export interface AlertSamples {
  series(): OwnSeriesRow[];
  /** Cycles at or after `sinceMs`, oldest first, as (series id, value) pairs. */
  cyclesSince(sinceMs: number): Array<{ atMs: number; pairs: Float64Array }>;
  /**
   * Saves one cycle (minting ids for new series) and drops cycles before `dropBeforeMs`, in one
   * transaction; returns each sample's series id, in order.
   */
  saveCycle(atMs: number, samples: readonly OwnSample[], dropBeforeMs: number): number[];
}

export function createAlertSamples(db: SqliteDatabase): AlertSamples {
  const statements = {
    series: db.prepare('SELECT id, metric, labels_json AS labelsJson FROM alert_sample_series'),
    since: db.prepare('SELECT at_ms, samples FROM alert_samples WHERE at_ms >= ? ORDER BY at_ms'),
    insertSeries: db.prepare('INSERT INTO alert_sample_series (metric, labels_json) VALUES (?, ?)'),
    insertSamples: db.prepare('INSERT OR REPLACE INTO alert_samples (at_ms, samples) VALUES (?, ?)'),
    prune: db.prepare('DELETE FROM alert_samples WHERE at_ms < ?'),
  };
  const saveCycle = db.transaction((atMs: number, samples: readonly OwnSample[], dropBeforeMs: number) => {
    const pairs: number[] = [];
    const ids = samples.map((sample) => {
      const id =
        sample.seriesId ??
        Number(statements.insertSeries.run(sample.metric, sample.labelsJson).lastInsertRowid);
      pairs.push(id, sample.value);
      return id;
    });
    statements.insertSamples.run(atMs, Buffer.from(new Float64Array(pairs).buffer));
    statements.prune.run(dropBeforeMs);
    return ids;
  });
  return {
    series: () => statements.series.all() as OwnSeriesRow[],
    cyclesSince: (sinceMs) =>
      (statements.since.all(sinceMs) as Array<{ at_ms: number; samples: Uint8Array }>).map((row) => ({
        atMs: row.at_ms,
        pairs: toFloats(row.samples),
      })),
    saveCycle: (atMs, samples, dropBeforeMs) => saveCycle.immediate(atMs, samples, dropBeforeMs),
  };
}

function toFloats(data: Uint8Array): Float64Array {
  const aligned = new Float64Array(data.byteLength / 8);
  new Uint8Array(aligned.buffer).set(data);
  return aligned;
}
