/**
 * `once --json` output with what differs between two runs of the same host taken out, so a capture
 * and its replay can be compared: `time` and `durationMs` are when and how long, not what was read.
 * Drift checks are left out too: they also stat files and read the agent's own uid, which a
 * capture does not hold, so a replay reports them as not replayable instead.
 */
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
    readings: doc.readings.filter((r) => r.metric !== 'perimeter.drift.check'),
    events: [],
    samplers: doc.samplers.filter((s) => s.name !== 'drift').map((s) => ({ ...s, durationMs: 0 })),
  };
}
