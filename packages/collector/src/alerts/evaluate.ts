import { avgOf, extrapolatedRate, LOOKBACK_DELTA_MS, maxOf, minOf } from './range-functions.ts';
import {
  type Aggregation,
  type Comparison,
  parseMatcher,
  type RangeFunction,
  type Rule,
  type RuleCondition,
  type RuleSelector,
  type ThresholdSeries,
} from './rule-model.ts';
import { type Labels, lowerBound, matchesAll, type SeriesSource, upperBound } from './series-source.ts';

/**
 * One rule at one instant: the vector of elements whose condition holds, each with its labels and
 * value, exactly what the compiled PromQL expression would return (compile-promql.ts). Pure: the
 * time and the data come in, nothing is read or remembered here.
 */
export interface VectorElement {
  labels: Labels;
  value: number;
}

interface ExprShape {
  selector: RuleSelector;
  function: RangeFunction;
  window?: number | undefined;
  aggregate?: Aggregation | undefined;
  by?: string[] | undefined;
}

export function evaluateRule(rule: Rule, source: SeriesSource, tMs: number): VectorElement[] {
  let vector = aggregate(rule, applyFunction(rule, source, tMs));
  if (typeof rule.threshold === 'number') {
    vector = compareScalar(vector, rule.op, rule.threshold);
  } else {
    vector = compareVector(vector, rule.op, thresholdVector(rule.threshold, source, tMs), rule.threshold.on);
  }
  if (rule.and) {
    vector = joinOn(vector, evaluateCondition(rule.and, source, tMs), rule.and.on, true);
  }
  if (rule.unless) {
    vector = joinOn(vector, evaluateCondition(rule.unless, source, tMs), rule.unless.on, false);
  }
  return vector;
}

function evaluateCondition(condition: RuleCondition, source: SeriesSource, tMs: number): VectorElement[] {
  return compareScalar(
    aggregate(condition, applyFunction(condition, source, tMs)),
    condition.op,
    condition.threshold,
  );
}

function applyFunction(expr: ExprShape, source: SeriesSource, tMs: number): VectorElement[] {
  const matchers = Object.entries(expr.selector.matchers).map(([label, raw]) => parseMatcher(label, raw));
  if (expr.function === 'absent') {
    const from = tMs - (expr.window as number);
    for (const series of source.select(expr.selector.metric)) {
      if (
        matchesAll(series.labels, matchers) &&
        upperBound(series.times, tMs) > lowerBound(series.times, from)
      ) {
        return [];
      }
    }
    // As absent_over_time: the labels of the selector's equality matchers, each named once.
    const labels: Record<string, string> = {};
    const repeated = new Set<string>();
    for (const m of matchers) {
      if (m.op === '=') {
        if (m.label in labels) {
          repeated.add(m.label);
        }
        labels[m.label] = m.value;
      }
    }
    for (const label of repeated) {
      delete labels[label];
    }
    return [{ labels, value: 1 }];
  }
  const windowed = expr.window !== undefined;
  const rangeStart = tMs - (windowed ? (expr.window as number) : LOOKBACK_DELTA_MS);
  const out: VectorElement[] = [];
  for (const series of source.select(expr.selector.metric)) {
    if (!matchesAll(series.labels, matchers)) {
      continue;
    }
    const from = lowerBound(series.times, rangeStart);
    const to = upperBound(series.times, tMs);
    if (to <= from) {
      continue;
    }
    let value: number | null;
    switch (expr.function) {
      case 'rate':
      case 'increase':
        value = extrapolatedRate(
          series.times,
          series.values,
          from,
          to,
          rangeStart,
          tMs,
          expr.function === 'rate',
        );
        break;
      case 'avg':
        value = avgOf(series.values, from, to);
        break;
      case 'max':
        value = maxOf(series.values, from, to);
        break;
      case 'min':
        value = minOf(series.values, from, to);
        break;
      case 'last':
        value = series.values[to - 1] as number;
        break;
      case 'age':
        value = tMs / 1000 - (series.values[to - 1] as number);
        break;
    }
    if (value !== null) {
      out.push({ labels: series.labels, value });
    }
  }
  return out;
}

function instantVector(selector: RuleSelector, source: SeriesSource, tMs: number): VectorElement[] {
  return applyFunction({ selector, function: 'last' }, source, tMs);
}

/** The threshold series: its newest value, or factor × (aggregated) function over its window. */
function thresholdVector(threshold: ThresholdSeries, source: SeriesSource, tMs: number): VectorElement[] {
  const selector = { metric: threshold.metric, matchers: threshold.matchers };
  if (threshold.function === undefined) {
    return instantVector(selector, source, tMs);
  }
  const shape = { ...threshold, selector, function: threshold.function };
  return aggregate(shape, applyFunction(shape, source, tMs)).map((element) => ({
    labels: element.labels,
    value: threshold.factor * element.value,
  }));
}

function aggregate(expr: ExprShape, vector: VectorElement[]): VectorElement[] {
  if (expr.aggregate === undefined) {
    return vector;
  }
  const by = expr.by ?? [];
  const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const element of vector) {
    const labels: Record<string, string> = {};
    for (const label of by) {
      const value = element.labels[label];
      if (value !== undefined && value !== '') {
        labels[label] = value;
      }
    }
    const key = signature(labels, by);
    const group = groups.get(key) ?? { labels, values: [] };
    group.values.push(element.value);
    groups.set(key, group);
  }
  const out: VectorElement[] = [];
  for (const { labels, values } of groups.values()) {
    let value: number;
    switch (expr.aggregate) {
      case 'sum':
        value = values.reduce((a, b) => a + b, 0);
        break;
      case 'avg':
        value = values.reduce((a, b) => a + b, 0) / values.length;
        break;
      case 'max':
        value = maxOf(values, 0, values.length);
        break;
      case 'min':
        value = minOf(values, 0, values.length);
        break;
      case 'count':
        value = values.length;
        break;
    }
    out.push({ labels, value });
  }
  return out;
}

export function compare(left: number, op: Comparison, right: number): boolean {
  switch (op) {
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '==':
      return left === right;
    case '!=':
      return left !== right;
  }
}

function compareScalar(vector: VectorElement[], op: Comparison, threshold: number): VectorElement[] {
  return vector.filter((element) => compare(element.value, op, threshold));
}

/** `left OP on(labels) right`: one-to-one; a left element without a partner drops out. */
function compareVector(
  left: VectorElement[],
  op: Comparison,
  right: VectorElement[],
  on: readonly string[],
): VectorElement[] {
  const bySignature = new Map<string, number>();
  for (const element of right) {
    bySignature.set(signature(element.labels, on), element.value);
  }
  return left.filter((element) => {
    const threshold = bySignature.get(signature(element.labels, on));
    return threshold !== undefined && compare(element.value, op, threshold);
  });
}

/** `left and on(labels) right` (keep = true) or `left unless on(labels) right` (keep = false). */
function joinOn(
  left: VectorElement[],
  right: VectorElement[],
  on: readonly string[],
  keep: boolean,
): VectorElement[] {
  const present = new Set(right.map((element) => signature(element.labels, on)));
  return left.filter((element) => present.has(signature(element.labels, on)) === keep);
}

function signature(labels: Labels, names: readonly string[]): string {
  return names.map((name) => labels[name] ?? '').join('\u0000');
}
