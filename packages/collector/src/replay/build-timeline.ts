import { MetricNames } from '@perimeter/schema';
import { breachOf, limitKeyOf } from './thresholds.ts';
import type { ReplayFilters, ReplayInput, ReplaySample, SeriesRef, Timeline, TimelineRow } from './types.ts';

/**
 * What a replay shows, from what a source read (pure, no I/O). A silence is a stretch with no data
 * from the node for more than SILENCE_FACTOR × its usual interval, measured on data times (sample
 * times), so a spool drained after a network outage does not read as the node being down; a
 * sequence gap is data the node sent that never arrived or was lost. The minutes before each
 * silence are flagged `beforeSilence`: what the node was doing just before it went quiet.
 */
export const SILENCE_FACTOR = 3;
export const BEFORE_SILENCE_MS = 5 * 60_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The summary interval for a window: 1 min up to 6 h, then 5 min, 1 h, 6 h. */
export function chooseIntervalMs(spanMs: number): number {
  if (spanMs <= 6 * HOUR) {
    return MINUTE;
  }
  if (spanMs <= 24 * HOUR) {
    return 5 * MINUTE;
  }
  return spanMs <= 7 * 24 * HOUR ? HOUR : 6 * HOUR;
}

/** The node's usual interval: the median step between its distinct data times; null under two. */
export function estimateUsualIntervalMs(sortedTimes: readonly number[]): number | null {
  const steps: number[] = [];
  for (let i = 1; i < sortedTimes.length; i++) {
    const step = (sortedTimes[i] as number) - (sortedTimes[i - 1] as number);
    if (step > 0) {
      steps.push(step);
    }
  }
  if (steps.length === 0) {
    return null;
  }
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] as number;
}

const KIND_ORDER: Record<TimelineRow['kind'], number> = {
  pruned: 0,
  gap: 1,
  event: 2,
  metric: 3,
  'last-seen': 4,
  silence: 5,
};

export function buildTimeline(input: ReplayInput, filters: ReplayFilters): Timeline {
  const { fromMs, toMs } = input.window;
  const intervalMs = chooseIntervalMs(toMs - fromMs);
  const rows: TimelineRow[] = [];

  const activity = [...new Set(input.activityMs)].sort((a, b) => a - b);
  const usualIntervalMs = estimateUsualIntervalMs(activity);
  const silences: Array<{ startMs: number; endMs: number; ongoing: boolean }> = [];
  if (usualIntervalMs !== null) {
    const limit = SILENCE_FACTOR * usualIntervalMs;
    for (let i = 1; i < activity.length; i++) {
      const start = activity[i - 1] as number;
      const end = activity[i] as number;
      if (end - start > limit && start <= toMs && end >= fromMs) {
        silences.push({ startMs: start, endMs: end, ongoing: false });
      }
    }
    const last = activity[activity.length - 1] as number;
    if (last < toMs && toMs - last > limit) {
      silences.push({ startMs: last, endMs: toMs, ongoing: true });
    }
  }
  for (const silence of silences) {
    rows.push({
      kind: 'silence',
      timeMs: silence.startMs,
      endMs: silence.endMs,
      durationMs: silence.endMs - silence.startMs,
      ongoing: silence.ongoing,
      cause: silence.ongoing
        ? 'no data from the node since (down, or sending nothing) through the end of the window'
        : 'no data from the node: down, or sending nothing',
    });
  }
  const beforeSilence = (startMs: number, endMs: number) =>
    silences.some((s) => endMs >= s.startMs - BEFORE_SILENCE_MS && startMs <= s.startMs);

  let lastSeenMs: number | null = null;
  for (const time of activity) {
    if (time <= toMs) {
      lastSeenMs = time;
    }
  }
  if (lastSeenMs !== null && lastSeenMs >= fromMs) {
    rows.push({ kind: 'last-seen', timeMs: lastSeenMs, receivedAtMs: input.lastReceivedMs });
  }

  const eventNames = new Set(filters.events);
  const metricNames = new Set(filters.metrics);
  const showEvents = metricNames.size === 0 || eventNames.size > 0;
  const showMetrics = !filters.eventsOnly && (eventNames.size === 0 || metricNames.size > 0);
  if (showEvents) {
    for (const event of input.events) {
      if (eventNames.size > 0 && !eventNames.has(event.name ?? '')) {
        continue;
      }
      rows.push({
        kind: 'event',
        timeMs: event.timeMs,
        name: event.name,
        severity: event.severity,
        body: event.body,
        attributes: event.attributes,
        source: event.source,
        beforeSilence: beforeSilence(event.timeMs, event.timeMs),
      });
    }
  }
  if (showMetrics) {
    for (const row of summarise(input.samples, intervalMs, limitsFor(input), metricNames)) {
      row.beforeSilence = beforeSilence(row.timeMs, row.timeMs + intervalMs);
      rows.push(row);
    }
  }
  for (const gap of input.seqGaps) {
    if (
      (gap.afterMs ?? Number.NEGATIVE_INFINITY) <= toMs &&
      (gap.beforeMs ?? Number.POSITIVE_INFINITY) >= fromMs
    ) {
      rows.push({
        kind: 'gap',
        timeMs: gap.afterMs ?? gap.beforeMs ?? fromMs,
        endMs: gap.beforeMs,
        streamId: gap.streamId,
        fromSeq: gap.fromSeq,
        toSeq: gap.toSeq,
        missing: gap.toSeq - gap.fromSeq + 1,
        cause: 'sequence gap: batches lost on the node (spool overflow) or in transit',
      });
    }
  }
  for (const range of input.integrity.pruned) {
    if (range.fromMs <= toMs && range.toMs >= fromMs) {
      rows.push({ kind: 'pruned', timeMs: range.fromMs, endMs: range.toMs, ...range });
    }
  }
  rows.sort((a, b) => a.timeMs - b.timeMs || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);

  let breaches = 0;
  let metricRows = 0;
  for (const row of rows) {
    if (row.kind === 'metric') {
      metricRows++;
      breaches += row.breach === null ? 0 : 1;
    }
  }
  return {
    nodeId: input.nodeId,
    fromMs,
    toMs,
    intervalMs,
    usualIntervalMs,
    lastSeenMs,
    integrity: input.integrity,
    counts: {
      events: rows.filter((row) => row.kind === 'event').length,
      metricRows,
      gaps: rows.filter((row) => row.kind === 'gap').length,
      silences: silences.length,
      breaches,
    },
    rows,
  };
}

/** Limits known before the window, overridden by the newest limit sample inside it. */
function limitsFor(input: ReplayInput): Map<string, number> {
  const limits = new Map(input.limitsBefore);
  const newest = new Map<string, number>();
  for (const sample of input.samples) {
    if (sample.series.metric === MetricNames.hwTemperatureLimit) {
      const key = limitKeyOf(sample.series);
      if (sample.tsMs >= (newest.get(key) ?? Number.NEGATIVE_INFINITY)) {
        newest.set(key, sample.tsMs);
        limits.set(key, sample.value);
      }
    }
  }
  return limits;
}

type MetricRow = Extract<TimelineRow, { kind: 'metric' }>;

function summarise(
  samples: readonly ReplaySample[],
  intervalMs: number,
  limits: ReadonlyMap<string, number>,
  metricNames: ReadonlySet<string>,
): MetricRow[] {
  const groups = new Map<string, { series: SeriesRef; row: MetricRow; lastTsMs: number }>();
  for (const sample of samples) {
    const { metric } = sample.series;
    // Limit series are thresholds, not readings: shown only when asked for by name.
    if (metricNames.size > 0 ? !metricNames.has(metric) : metric.endsWith('.limit')) {
      continue;
    }
    const bucket = Math.floor(sample.tsMs / intervalMs) * intervalMs;
    const key = `${bucket}\u0000${metric}\u0000${JSON.stringify(sample.series.attributes)}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        series: sample.series,
        lastTsMs: sample.tsMs,
        row: {
          kind: 'metric',
          timeMs: bucket,
          intervalMs,
          metric,
          unit: sample.series.unit,
          attributes: sample.series.attributes,
          min: sample.value,
          max: sample.value,
          last: sample.value,
          count: 1,
          breach: null,
          beforeSilence: false,
        },
      });
      continue;
    }
    const { row } = group;
    row.min = Math.min(row.min, sample.value);
    row.max = Math.max(row.max, sample.value);
    row.count++;
    if (sample.tsMs >= group.lastTsMs) {
      group.lastTsMs = sample.tsMs;
      row.last = sample.value;
    }
  }
  return [...groups.values()].map(({ series, row }) => {
    row.breach = breachOf(series, row, limits);
    return row;
  });
}
