import { prometheusMetricName } from '@perimeter/schema';
import type { Registry } from 'prom-client';
import { nodeSeriesLabels } from '../metrics/exposition.ts';
import type { OwnSample } from '../store/alert-samples.ts';
import { decodeSampleBlock } from '../store/sample-block.ts';
import type { SeriesIndex } from '../store/series-index.ts';
import type { StoreTables } from '../store/store-file.ts';
import type { Labels, SeriesData, SeriesSource } from './series-source.ts';

/**
 * The live data the engine evaluates: the last `retentionMs` of every series a rule names, in
 * memory. Node series come from the sample blocks (event time), read incrementally after the last
 * block seen; the collector's own series (auth counters, node last-seen, forward lag, clock skew)
 * are sampled from its registry once per cycle, as a Prometheus scrape of /metrics would, and
 * kept in the store so a restart does not shorten the windows that rate() and increase() need.
 */
export interface SampleWindow extends SeriesSource {
  /** Pulls blocks stored since the last call, samples the registry at tMs, drops what fell out. */
  advance(tMs: number): Promise<void>;
  seriesCount(): number;
}

export interface SampleWindowOptions {
  store: Pick<StoreTables, 'batches' | 'samples' | 'alertSamples'>;
  series: SeriesIndex;
  registry?: Registry | undefined;
  /** Prometheus names the rules read; everything else is skipped. */
  metrics: ReadonlySet<string>;
  /** The longest any metric is kept (what is read back from the store at start-up). */
  retentionMs: number;
  /** How long each metric is kept in memory, where shorter than `retentionMs`. */
  retentionByMetric?: ReadonlyMap<string, number>;
  nowMs: number;
}

interface WindowSeries extends SeriesData {
  metric: string;
}

export function createSampleWindow(options: SampleWindowOptions): SampleWindow {
  const { store } = options;
  const byKey = new Map<string, WindowSeries>();
  const byMetric = new Map<string, Set<WindowSeries>>();
  const nodeSeries = new Map<number, WindowSeries | null>();
  const ownNames = new Set(options.registry?.getMetricsAsArray().map((m) => m.name) ?? []);

  const seriesFor = (metric: string, labels: Labels): WindowSeries => {
    const key = `${metric}\u0000${JSON.stringify(labels)}`;
    let series = byKey.get(key);
    if (!series) {
      series = { metric, labels, times: [], values: [] };
      byKey.set(key, series);
      const set = byMetric.get(metric) ?? new Set();
      set.add(series);
      byMetric.set(metric, set);
    }
    return series;
  };

  const resolveNodeSeries = (id: number): WindowSeries | null => {
    const cached = nodeSeries.get(id);
    if (cached !== undefined) {
      return cached;
    }
    const info = options.series.get(id);
    if (!info) {
      return null;
    }
    const metric = prometheusMetricName(
      info.metric,
      info.unit,
      info.kind === 'counter' ? 'counter' : 'gauge',
    );
    const wanted = options.metrics.has(metric) && !ownNames.has(metric);
    const series = wanted ? seriesFor(metric, nodeSeriesLabels(info.nodeId, info.attributes)) : null;
    nodeSeries.set(id, series);
    return series;
  };

  let lastBatchId = store.batches.lastIdBefore(options.nowMs - options.retentionMs - 60_000) ?? 0;

  const ownSeriesIds = new Map<string, number>();
  const ownSeriesById = new Map<number, WindowSeries>();
  for (const row of store.alertSamples.series()) {
    const series = seriesFor(row.metric, JSON.parse(row.labelsJson) as Labels);
    ownSeriesIds.set(`${row.metric}\u0000${row.labelsJson}`, row.id);
    ownSeriesById.set(row.id, series);
  }
  for (const cycle of store.alertSamples.cyclesSince(options.nowMs - options.retentionMs)) {
    const { pairs } = cycle;
    for (let i = 0; i < pairs.length; i += 2) {
      const series = ownSeriesById.get(pairs[i] as number);
      if (series) {
        insertSample(series, cycle.atMs, pairs[i + 1] as number);
      }
    }
  }

  const readNewBlocks = () => {
    for (const row of store.samples.blocksAfter(lastBatchId)) {
      lastBatchId = row.batchId;
      for (const [seriesId, tsMs, value] of decodeSampleBlock(row.samples)) {
        const series = resolveNodeSeries(seriesId);
        if (series) {
          insertSample(series, tsMs, value);
        }
      }
    }
  };
  readNewBlocks();

  const sampleRegistry = async (tMs: number) => {
    if (!options.registry) {
      return;
    }
    const families = await options.registry.getMetricsAsJSON();
    const sampled: Array<OwnSample & { labels: Labels }> = [];
    for (const family of families) {
      if (!options.metrics.has(family.name)) {
        continue;
      }
      for (const point of family.values) {
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(point.labels).sort(([a], [b]) => (a < b ? -1 : 1))) {
          labels[k] = String(v);
        }
        const labelsJson = JSON.stringify(labels);
        const seriesId = ownSeriesIds.get(`${family.name}\u0000${labelsJson}`);
        sampled.push({ seriesId, metric: family.name, labelsJson, labels, value: point.value });
      }
    }
    const ids = store.alertSamples.saveCycle(tMs, sampled, tMs - options.retentionMs);
    sampled.forEach((sample, i) => {
      const id = ids[i] as number;
      if (sample.seriesId === undefined) {
        ownSeriesIds.set(`${sample.metric}\u0000${sample.labelsJson}`, id);
        ownSeriesById.set(id, seriesFor(sample.metric, sample.labels));
      }
      insertSample(ownSeriesById.get(id) as WindowSeries, tMs, sample.value);
    });
  };

  return {
    async advance(tMs) {
      readNewBlocks();
      await sampleRegistry(tMs);
      // Empty series stay in the maps: they are bounded by the series the rules name.
      for (const series of byKey.values()) {
        const cutoff = tMs - (options.retentionByMetric?.get(series.metric) ?? options.retentionMs);
        let drop = 0;
        while (drop < series.times.length && (series.times[drop] as number) < cutoff) {
          drop++;
        }
        if (drop > 0) {
          series.times.splice(0, drop);
          series.values.splice(0, drop);
        }
      }
    },
    select: (metric) => byMetric.get(metric) ?? [],
    seriesCount: () => byKey.size,
  };
}

function insertSample(series: SeriesData, tMs: number, value: number): void {
  const { times, values } = series;
  const n = times.length;
  if (n === 0 || tMs > (times[n - 1] as number)) {
    times.push(tMs);
    values.push(value);
    return;
  }
  // Late data (an agent draining its spool): keep time order; a repeated time replaces.
  let i = n - 1;
  while (i >= 0 && (times[i] as number) > tMs) {
    i--;
  }
  if (i >= 0 && times[i] === tMs) {
    values[i] = value;
    return;
  }
  times.splice(i + 1, 0, tMs);
  values.splice(i + 1, 0, value);
}
