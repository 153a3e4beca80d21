import type { RunCommand } from '../../host/run-command.ts';
import type { SamplerContext } from '../types.ts';
import type { AppleSensors, SensorSourceName, SourceOutcome } from './apple-sensor-types.ts';
import { DEFAULT_MACMON_URL, MACMON_INSTALL_HINT, readMacmonServe, runMacmonPipe } from './macmon.ts';
import { runMactop } from './mactop.ts';
import { runPowermetricsViaSudo } from './powermetrics-sudo.ts';

/**
 * Apple-silicon temperatures, fans, power and GPU residency from the first reader that answers, in
 * the issue's order of preference: no-root readers the operator installed (macmon serve over HTTP,
 * which costs nothing; `macmon pipe`; mactop), then, only when opted in, powermetrics through the
 * one sudoers rule. One source answers per round, so a series never mixes two tools' sums.
 *
 * The thermal, fans and gpu samplers read this concurrently in one round and share one run. A
 * source that is not installed is tried again only after MISSING_RETRY_MS, so a Mac without mactop
 * does not spawn a failing process every ten seconds.
 */

export type AppleSensorOutcome =
  | { status: 'ok'; sensors: AppleSensors; skipped: string[] }
  | { status: 'missing'; reason: string }
  | { status: 'error'; error: Error };

export const MISSING_RETRY_MS = 5 * 60_000;

interface SourceState {
  /** Source name → clock time before which it is not tried again. */
  missingUntil: Map<SensorSourceName, { untilMs: number; reason: string }>;
  inFlight?: Promise<AppleSensorOutcome>;
}

// Keyed by the runCommand: one host's samplers share it; a probe or test world has its own.
const states = new WeakMap<RunCommand, SourceState>();

export function readAppleSensors(context: SamplerContext): Promise<AppleSensorOutcome> {
  let state = states.get(context.runCommand);
  if (state === undefined) {
    state = { missingUntil: new Map() };
    states.set(context.runCommand, state);
  }
  if (state.inFlight) return state.inFlight;
  const current = state;
  const outcome = readChain(context, current).finally(() => {
    current.inFlight = undefined;
  });
  current.inFlight = outcome;
  return outcome;
}

function sourcesFor(context: SamplerContext): Array<[SensorSourceName, () => Promise<SourceOutcome>]> {
  const url = context.options?.macmonUrl ?? DEFAULT_MACMON_URL;
  const sources: Array<[SensorSourceName, () => Promise<SourceOutcome>]> = [
    ['macmon serve', () => readMacmonServe(context.fetchText, url)],
    ['macmon pipe', () => runMacmonPipe(context.runCommand)],
    ['mactop', () => runMactop(context.runCommand)],
  ];
  if (context.options?.powermetricsViaSudo === true) {
    sources.push(['powermetrics', () => runPowermetricsViaSudo(context.runCommand)]);
  }
  return sources;
}

async function readChain(context: SamplerContext, state: SourceState): Promise<AppleSensorOutcome> {
  const missing: string[] = [];
  const errors: string[] = [];
  const now = context.clock.nowMs();
  for (const [name, read] of sourcesFor(context)) {
    const known = state.missingUntil.get(name);
    if (known !== undefined && now < known.untilMs) {
      missing.push(known.reason);
      continue;
    }
    const outcome = await read();
    if (outcome.status === 'ok') {
      state.missingUntil.delete(name);
      return { status: 'ok', sensors: outcome.sensors, skipped: [...missing, ...errors] };
    }
    if (outcome.status === 'missing') {
      // macmon serve is an HTTP read, cheap enough to try every round: it may start at any time.
      if (name !== 'macmon serve') {
        state.missingUntil.set(name, { untilMs: now + MISSING_RETRY_MS, reason: outcome.reason });
      }
      missing.push(outcome.reason);
    } else {
      errors.push(outcome.error.message);
    }
  }
  if (errors.length > 0) return { status: 'error', error: new Error(errors.join('; ')) };
  return { status: 'missing', reason: `${missing.join('; ')}; ${MACMON_INSTALL_HINT}` };
}
