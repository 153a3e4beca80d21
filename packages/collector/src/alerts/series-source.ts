import type { Matcher } from './rule-model.ts';

/**
 * What the evaluator reads: series by Prometheus name, each with its labels (no `__name__`) and
 * samples in time order. The live engine fills one from the store (sample-window.ts); the
 * differential test fills one from a promtool test file, so both run the very same evaluator.
 */
export type Labels = Readonly<Record<string, string>>;

export interface SeriesData {
  labels: Labels;
  /** Sample times in ms, ascending; `values[i]` belongs to `times[i]`. */
  times: number[];
  values: number[];
}

export interface SeriesSource {
  select(metric: string): Iterable<SeriesData>;
}

export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const matcher of matchers) {
    const value = labels[matcher.label] ?? '';
    switch (matcher.op) {
      case '=':
        if (value !== matcher.value) {
          return false;
        }
        break;
      case '!=':
        if (value === matcher.value) {
          return false;
        }
        break;
      case '=~':
        if (!anchored(matcher.value).test(value)) {
          return false;
        }
        break;
      case '!~':
        if (anchored(matcher.value).test(value)) {
          return false;
        }
        break;
    }
  }
  return true;
}

const regexCache = new Map<string, RegExp>();
/** PromQL regexes are fully anchored (RE2; the default pack keeps to the syntax both accept). */
function anchored(pattern: string): RegExp {
  let regex = regexCache.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`, 's');
    regexCache.set(pattern, regex);
  }
  return regex;
}

/** A plain in-memory source: tests and the bench build one directly. */
export function createMemorySource(): SeriesSource & {
  add(metric: string, labels: Labels, times: number[], values: number[]): void;
} {
  const byMetric = new Map<string, SeriesData[]>();
  return {
    add(metric, labels, times, values) {
      const list = byMetric.get(metric) ?? [];
      list.push({ labels, times, values });
      byMetric.set(metric, list);
    },
    select: (metric) => byMetric.get(metric) ?? [],
  };
}

/** Index of the first time >= t (binary search). */
export function lowerBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/** Index just past the last time <= t. */
export function upperBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}
