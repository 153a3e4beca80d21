/**
 * `once --json` output with what differs between two runs of the same host taken out, so a capture
 * and its replay can be compared: `time` and `durationMs` are when and how long, not what was read.
 * Sources that declare themselves not replayable (drift, models, inference: they stat files, hash
 * weights, follow logs, which a capture does not hold) are left out too, with their readings, since
 * a replay reports them as not replayable instead.
 */
import { MetricNames } from '@perimeter/schema';
import { sourceDefinitions } from '../samplers/registry.ts';

const NOT_REPLAYABLE = new Set(
  sourceDefinitions.filter((d) => d.notReplayable !== undefined).map((d) => d.name),
);
const NOT_REPLAYABLE_METRICS = new Set<string>([
  MetricNames.driftCheck,
  MetricNames.modelInfo,
  MetricNames.modelSize,
  MetricNames.inferenceServerUp,
  MetricNames.inferenceServerTokens,
  MetricNames.inferenceServerRequests,
  MetricNames.inferenceServerRequestsActive,
  MetricNames.inferenceServerRequestDuration,
]);

export interface OnceDoc {
  time: string;
  readings: Array<{ metric: string }>;
  events?: unknown[];
  samplers: Array<{ name: string; durationMs: number; reason?: string }>;
}

export function normalisedOnce(json: string): OnceDoc {
  const doc = JSON.parse(json) as OnceDoc;
  return {
    ...doc,
    time: 'T',
    readings: doc.readings.filter((r) => !NOT_REPLAYABLE_METRICS.has(r.metric)),
    events: [],
    samplers: doc.samplers.filter((s) => !NOT_REPLAYABLE.has(s.name)).map((s) => ({ ...s, durationMs: 0 })),
  };
}
