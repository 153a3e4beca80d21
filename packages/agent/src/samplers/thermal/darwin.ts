import { MetricNames } from '@perimeter/schema';
import type { RunCommand } from '../../host/run-command.ts';
import { macmonTemperatureReadings, readMacmon } from '../macos/macmon.ts';
import { parsePmsetTherm, pmsetThermalPressureLevel } from '../macos/pmset-therm-parse.ts';
import type { Logger, MetricReading, SampleResult, SamplerContext } from '../types.ts';

/**
 * macOS thermal readings from sources that need no root: thermal pressure from the built-in
 * `pmset -g therm` (mapping in macos/pmset-therm-parse.ts) and temperatures from macmon when an
 * operator installed it. powermetrics would give both but needs root, so it is not used here.
 * Either source alone is enough for `ok`; a source that fails is logged, and only when nothing
 * could be read does the outcome become `error` (something broke) or `not-available-here`.
 */

export const PMSET_THERM_ARGV: readonly string[] = ['pmset', '-g', 'therm'];
const PMSET_TIMEOUT_MS = 5_000;

type Part = { readings: MetricReading[]; problem?: string; missing?: string };

async function readPressure(runCommand: RunCommand, log: Logger): Promise<Part> {
  const result = await runCommand(PMSET_THERM_ARGV, { timeoutMs: PMSET_TIMEOUT_MS });
  if (result.status === 'not-found') return { readings: [], missing: 'pmset not found' };
  if (result.status === 'timeout')
    return { readings: [], problem: `pmset -g therm timed out after ${result.afterMs} ms` };
  if (result.status === 'failed') {
    return { readings: [], problem: `pmset -g therm exited with ${result.exitCode ?? 'a signal'}` };
  }
  const pressure = pmsetThermalPressureLevel(parsePmsetTherm(result.stdout));
  if (pressure.level === null) {
    log.warn({ why: pressure.why }, 'thermal pressure not derivable from pmset -g therm');
    return { readings: [], problem: pressure.why };
  }
  return { readings: [{ metric: MetricNames.thermalPressure, value: pressure.level, attributes: {} }] };
}

async function readTemperatures(runCommand: RunCommand, log: Logger): Promise<Part> {
  const outcome = await readMacmon(runCommand);
  if (outcome.status === 'missing') return { readings: [], missing: outcome.reason };
  if (outcome.status === 'error') {
    log.warn({ error: outcome.error.message }, 'macmon temperatures unreadable');
    return { readings: [], problem: outcome.error.message };
  }
  const readings = macmonTemperatureReadings(outcome.sample);
  return readings.length > 0 ? { readings } : { readings, missing: 'macmon read no temperature sensor' };
}

export async function collectDarwinThermal(context: SamplerContext): Promise<SampleResult> {
  const parts = [
    await readPressure(context.runCommand, context.log),
    await readTemperatures(context.runCommand, context.log),
  ];
  const readings = parts.flatMap((part) => part.readings);
  if (readings.length > 0) return { status: 'ok', readings };
  const problems = parts.flatMap((part) => (part.problem === undefined ? [] : [part.problem]));
  if (problems.length > 0) return { status: 'error', error: new Error(problems.join('; ')) };
  return {
    status: 'not-available-here',
    reason: parts.flatMap((part) => (part.missing === undefined ? [] : [part.missing])).join('; '),
  };
}
