/**
 * PromQL's range functions as Prometheus 2.42 computes them (promql/functions.go), the version
 * Debian ships and CI checks against: ranges are closed on both ends ([t - range, t]), and
 * rate/increase extrapolate towards the range edges as `extrapolatedRate` does, so the embedded
 * engine and `promtool test rules` agree on the same input.
 */

/** Instant-vector lookback (Prometheus `--query.lookback-delta`, default 5m). */
export const LOOKBACK_DELTA_MS = 5 * 60_000;

export function extrapolatedRate(
  times: readonly number[],
  values: readonly number[],
  from: number,
  to: number,
  rangeStartMs: number,
  rangeEndMs: number,
  isRate: boolean,
): number | null {
  const count = to - from;
  if (count < 2) {
    return null;
  }
  const firstT = times[from] as number;
  const lastT = times[to - 1] as number;
  const firstV = values[from] as number;
  let result = (values[to - 1] as number) - firstV;
  let previous = firstV;
  for (let i = from; i < to; i++) {
    const current = values[i] as number;
    if (current < previous) {
      // A counter reset: the counter restarted from zero, so everything before it counts too.
      result += previous;
    }
    previous = current;
  }
  let durationToStart = (firstT - rangeStartMs) / 1000;
  const durationToEnd = (rangeEndMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageBetween = sampledInterval / (count - 1);
  if (result > 0 && firstV >= 0) {
    // A counter cannot go below zero: do not extrapolate past the point where it would.
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) {
      durationToStart = durationToZero;
    }
  }
  const threshold = averageBetween * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
  result *= extrapolateTo / sampledInterval;
  if (isRate) {
    result /= (rangeEndMs - rangeStartMs) / 1000;
  }
  return result;
}

export function avgOf(values: readonly number[], from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) {
    sum += values[i] as number;
  }
  return sum / (to - from);
}

export function maxOf(values: readonly number[], from: number, to: number): number {
  let max = values[from] as number;
  for (let i = from + 1; i < to; i++) {
    const v = values[i] as number;
    if (v > max || Number.isNaN(max)) {
      max = v;
    }
  }
  return max;
}

export function minOf(values: readonly number[], from: number, to: number): number {
  let min = values[from] as number;
  for (let i = from + 1; i < to; i++) {
    const v = values[i] as number;
    if (v < min || Number.isNaN(min)) {
      min = v;
    }
  }
  return min;
}
