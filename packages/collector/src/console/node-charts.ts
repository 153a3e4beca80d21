import { AttributeNames, MetricNames, prometheusMetricName } from '@perimeter/schema';
import type { Rule } from '../alerts/rule-model.ts';
import { parseMatcher } from '../alerts/rule-model.ts';
import { matchesAll } from '../alerts/series-source.ts';
import { nodeSeriesLabels } from '../metrics/exposition.ts';
import { BEFORE_SILENCE_MS } from '../replay/build-timeline.ts';
import { LIMIT_TYPES } from '../replay/thresholds.ts';
import type { ReplayInput, SeriesRef, Timeline } from '../replay/types.ts';

/**
 * The node page's charts, from what the replay read (the same samples, gaps and silences the
 * timeline shows). Samples go onto one shared time grid of buckets (max per bucket, so a peak
 * survives downsampling); a bucket with no sample is null, and a null point is put between the
 * buckets on either side of every sequence gap and silence, so uPlot breaks the line there even
 * when the gap is shorter than a bucket: gaps are drawn as gaps, never interpolated.
 */
export interface ChartSeries {
  label: string;
  values: Array<number | null>;
}

export interface Threshold {
  label: string;
  value: number;
  source: 'sensor limit' | 'rule';
}

export interface Chart {
  id: string;
  title: string;
  unit: string;
  series: ChartSeries[];
  thresholds: Threshold[];
}

export interface Band {
  kind: 'sequence-gap' | 'silence' | 'before-silence';
  fromMs: number;
  toMs: number;
  label: string;
}

export interface NodeCharts {
  /** Bucket start times, seconds (uPlot's x). */
  x: number[];
  stepMs: number;
  charts: Chart[];
  bands: Band[];
}

const MAX_POINTS = 1500;
const NICE_STEPS_MS = [10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400].map(
  (s) => s * 1000,
);

interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  metrics: readonly string[];
  scale: number;
  label: (series: SeriesRef) => string;
}

const sensorName = (series: SeriesRef) =>
  String(series.attributes[AttributeNames.hwName] ?? series.attributes[AttributeNames.hwId] ?? series.metric);

const CHARTS: readonly ChartSpec[] = [
  {
    id: 'temperature',
    title: 'Temperatures',
    unit: '°C',
    metrics: [MetricNames.hwTemperature],
    scale: 1,
    label: sensorName,
  },
  { id: 'fans', title: 'Fans', unit: 'rpm', metrics: [MetricNames.hwFanSpeed], scale: 1, label: sensorName },
  {
    id: 'gpu',
    title: 'GPU utilisation',
    unit: '%',
    metrics: [MetricNames.hwGpuUtilization],
    scale: 100,
    label: sensorName,
  },
  { id: 'power', title: 'Power', unit: 'W', metrics: [MetricNames.hwPower], scale: 1, label: sensorName },
  {
    id: 'system',
    title: 'CPU and memory',
    unit: '%',
    metrics: [MetricNames.cpuUtilization, MetricNames.memoryUtilization],
    scale: 100,
    label: (series) => (series.metric === MetricNames.cpuUtilization ? 'cpu' : 'memory'),
  },
];

export function chooseStepMs(spanMs: number, usualIntervalMs: number | null): number {
  // Twice the node's interval at the finest, so jitter never leaves a bucket empty by accident.
  const floor = Math.max(2 * (usualIntervalMs ?? 10_000), spanMs / MAX_POINTS);
  return NICE_STEPS_MS.find((step) => step >= floor) ?? Math.ceil(floor / 86_400_000) * 86_400_000;
}

export function buildNodeCharts(input: ReplayInput, timeline: Timeline, rules: readonly Rule[]): NodeCharts {
  const { fromMs, toMs } = input.window;
  const stepMs = chooseStepMs(toMs - fromMs, timeline.usualIntervalMs);
  const first = Math.floor(fromMs / stepMs) * stepMs;
  const buckets = Math.floor((toMs - first) / stepMs) + 1;
  const bucketOf = (tsMs: number) => Math.floor((tsMs - first) / stepMs);

  // Gap markers: a null point in the middle of each gap or silence, even one shorter than a
  // bucket, so the line is broken there and never drawn across lost data.
  const bands: Band[] = [];
  const breaks: number[] = [];
  for (const row of timeline.rows) {
    if (row.kind === 'gap') {
      const endMs = row.endMs ?? toMs;
      bands.push({
        kind: 'sequence-gap',
        fromMs: row.timeMs,
        toMs: endMs,
        label: `sequence gap: seq ${row.fromSeq}–${row.toSeq} lost (${row.missing} batch${row.missing === 1 ? '' : 'es'})`,
      });
      breaks.push(Math.floor((row.timeMs + endMs) / 2));
    } else if (row.kind === 'silence') {
      bands.push({
        kind: 'silence',
        fromMs: row.timeMs,
        toMs: row.endMs,
        label: row.ongoing ? 'silence (ongoing)' : 'silence',
      });
      bands.push({
        kind: 'before-silence',
        fromMs: Math.max(fromMs, row.timeMs - BEFORE_SILENCE_MS),
        toMs: row.timeMs,
        label: 'last minutes before the silence',
      });
      breaks.push(Math.floor((row.timeMs + row.endMs) / 2));
    }
  }
  const breaksInBucket = new Map<number, number[]>();
  for (const atMs of breaks.sort((a, b) => a - b)) {
    const bucket = bucketOf(atMs);
    if (bucket < 0 || bucket >= buckets) continue;
    breaksInBucket.set(bucket, [...(breaksInBucket.get(bucket) ?? []), atMs]);
  }

  const x: number[] = [];
  const slotOfBucket: number[] = [];
  for (let b = 0; b < buckets; b++) {
    slotOfBucket.push(x.length);
    const startMs = first + b * stepMs;
    x.push(startMs / 1000);
    let lastMs = startMs;
    for (const atMs of breaksInBucket.get(b) ?? []) {
      lastMs = Math.max(atMs, lastMs + 1); // strictly increasing x, as uPlot needs
      x.push(lastMs / 1000);
    }
  }

  // series key → values on the grid, max per bucket.
  const grouped = new Map<string, { series: SeriesRef; values: Array<number | null> }>();
  const limits = new Map<string, number>();
  for (const sample of input.samples) {
    if (sample.series.metric === MetricNames.hwTemperatureLimit) {
      limits.set(limitLabel(sample.series), sample.value);
      continue;
    }
    const key = `${sample.series.metric}\u0000${JSON.stringify(sample.series.attributes)}`;
    let group = grouped.get(key);
    if (group === undefined) {
      group = { series: sample.series, values: new Array<number | null>(x.length).fill(null) };
      grouped.set(key, group);
    }
    const bucket = bucketOf(sample.tsMs);
    const slot = slotOfBucket[bucket];
    if (slot !== undefined) {
      const current = group.values[slot];
      group.values[slot] =
        current === null || current === undefined ? sample.value : Math.max(current, sample.value);
    }
  }

  const charts = CHARTS.map((spec): Chart => {
    const series = [...grouped.values()]
      .filter((group) => spec.metrics.includes(group.series.metric))
      .map((group) => ({
        label: spec.label(group.series),
        values: group.values.map((v) => (v === null ? null : Math.round(v * spec.scale * 100) / 100)),
      }))
      .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    return { id: spec.id, title: spec.title, unit: spec.unit, series, thresholds: [] };
  });
  const temperature = charts[0] as Chart;
  temperature.thresholds = temperatureThresholds(input, limits, rules);
  return { x, stepMs, charts, bands };
}

function limitLabel(series: SeriesRef): string {
  return `${sensorName(series)} ${String(series.attributes[AttributeNames.hwLimitType] ?? 'limit')}`;
}

/**
 * The lines the rules judge temperatures against: each sensor's own limits (hw.temperature.limit,
 * newest in the window, else newest before it), and for sensors without an own high.critical
 * limit, the fixed threshold of each ThermalLimit-style rule whose selector matches the sensor.
 */
function temperatureThresholds(
  input: ReplayInput,
  limitsInWindow: ReadonlyMap<string, number>,
  rules: readonly Rule[],
): Threshold[] {
  const thresholds: Threshold[] = [];
  const seen = new Set<string>();
  const add = (threshold: Threshold) => {
    const key = `${threshold.label}\u0000${threshold.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      thresholds.push(threshold);
    }
  };
  const sensorsWithLimit = new Set<string>();
  const temperatureSeries = new Map<string, SeriesRef>();
  const limitSeries = new Map<string, SeriesRef>();
  for (const sample of input.samples) {
    const key = JSON.stringify(sample.series.attributes);
    if (sample.series.metric === MetricNames.hwTemperature) {
      temperatureSeries.set(key, sample.series);
    } else if (sample.series.metric === MetricNames.hwTemperatureLimit) {
      limitSeries.set(key, sample.series);
    }
  }
  for (const [label, value] of limitsInWindow) {
    add({ label, value, source: 'sensor limit' });
  }
  for (const series of limitSeries.values()) {
    if (series.attributes[AttributeNames.hwLimitType] === LIMIT_TYPES.critical) {
      sensorsWithLimit.add(String(series.attributes[AttributeNames.hwId] ?? ''));
    }
  }
  const temperatureMetric = prometheusMetricName(MetricNames.hwTemperature, 'Cel', 'gauge');
  for (const series of temperatureSeries.values()) {
    const labels = nodeSeriesLabels(input.nodeId, series.attributes);
    for (const rule of rules) {
      if (rule.selector.metric !== temperatureMetric || typeof rule.threshold !== 'number') {
        continue;
      }
      if (rule.unless && sensorsWithLimit.has(String(series.attributes[AttributeNames.hwId] ?? ''))) {
        continue;
      }
      const matchers = Object.entries(rule.selector.matchers).map(([label, raw]) => parseMatcher(label, raw));
      if (matchesAll(labels, matchers)) {
        const kind = rule.labels['sensor_kind'];
        add({
          label: `${rule.name}${kind === undefined ? '' : ` (${kind})`} ${rule.op} ${rule.threshold}`,
          value: rule.threshold,
          source: 'rule',
        });
      }
    }
  }
  return thresholds.sort((a, b) => a.value - b.value);
}
