import { AttributeNames, EventNames, MetricNames } from '@perimeter/schema';
import type { RunCommand } from '../../host/run-command.ts';
import { readAppleSensors } from '../macos/apple-sensors.ts';
import { parsePmsetTherm, pmsetThermalPressureLevel } from '../macos/pmset-therm-parse.ts';
import type { EventReading, Logger, MetricReading, SampleResult, SamplerContext } from '../types.ts';

/**
 * macOS thermal readings from sources that need no root: thermal pressure from the sensor reader
 * when it knows it (mactop, or powermetrics when opted in), else from the built-in `pmset -g therm`
 * (mapping in macos/pmset-therm-parse.ts), and temperatures from the first no-root reader installed (macos/apple-sensors.ts).
 * Either part alone is enough for `ok`; only when nothing could be read does the outcome become
 * `error` (something broke) or `not-available-here`. Each change of the pressure level is also a
 * `thermal.state` event (ARCHITECTURE "Names"), so a timeline shows when throttling began and ended.
 */

export const PMSET_THERM_ARGV: readonly string[] = ['pmset', '-g', 'therm'];
const PMSET_TIMEOUT_MS = 5_000;

type Part = { readings: MetricReading[]; problem?: string; missing?: string };

async function readPmsetLevel(runCommand: RunCommand, log: Logger): Promise<{ level: number | null } & Part> {
  const result = await runCommand(PMSET_THERM_ARGV, { timeoutMs: PMSET_TIMEOUT_MS });
  if (result.status === 'not-found') return { level: null, readings: [], missing: 'pmset not found' };
  if (result.status === 'timeout')
    return { level: null, readings: [], problem: `pmset -g therm timed out after ${result.afterMs} ms` };
  if (result.status === 'failed') {
    return {
      level: null,
      readings: [],
      problem: `pmset -g therm exited with ${result.exitCode ?? 'a signal'}`,
    };
  }
  const pressure = pmsetThermalPressureLevel(parsePmsetTherm(result.stdout));
  if (pressure.level === null) {
    log.warn({ why: pressure.why }, 'thermal pressure not derivable from pmset -g therm');
    return { level: null, readings: [], problem: pressure.why };
  }
  return { level: pressure.level, readings: [] };
}

/** Remembers the last pressure level seen, to emit `thermal.state` on each change (not on the first). */
export interface PressureTracker {
  observe(level: number, timeMs: number): EventReading[];
}

export function createPressureTracker(): PressureTracker {
  let previous: number | null = null;
  return {
    observe(level, timeMs) {
      const before = previous;
      previous = level;
      if (before === null || before === level) return [];
      return [
        {
          event: EventNames.thermalState,
          timeMs,
          body: `thermal pressure ${PRESSURE_WORDS[level] ?? level} (was ${PRESSURE_WORDS[before] ?? before})`,
          severity: level > before && level >= 2 ? 'warn' : 'info',
          attributes: {
            [AttributeNames.thermalPressureLevel]: level,
            [AttributeNames.thermalPressurePrevious]: before,
          },
        },
      ];
    },
  };
}

const PRESSURE_WORDS = ['nominal', 'moderate', 'heavy', 'trapping', 'sleeping'];

export async function collectDarwinThermal(
  context: SamplerContext,
  tracker: PressureTracker = createPressureTracker(),
): Promise<SampleResult> {
  const [pmset, sensors] = await Promise.all([
    readPmsetLevel(context.runCommand, context.log),
    readAppleSensors(context),
  ]);
  const parts: Part[] = [pmset];
  let level = pmset.level;
  if (sensors.status === 'ok') {
    // A reader's level is the kernel's thermal pressure itself (moderate, heavy…); pmset only knows
    // whether a thermal *warning* was recorded, so it speaks only when no reader does.
    level = sensors.sensors.pressureLevel ?? level;
    const temperatures = sensors.sensors.temperatures;
    parts.push(
      temperatures.length > 0
        ? { readings: temperatures }
        : { readings: [], missing: `${sensors.sensors.source} read no temperature sensor` },
    );
  } else if (sensors.status === 'missing') {
    parts.push({ readings: [], missing: sensors.reason });
  } else {
    context.log.warn({ error: sensors.error.message }, 'Mac temperatures unreadable');
    parts.push({ readings: [], problem: sensors.error.message });
  }
  const readings = parts.flatMap((part) => part.readings);
  const events: EventReading[] = [];
  if (level !== null) {
    readings.unshift({ metric: MetricNames.thermalPressure, value: level, attributes: {} });
    events.push(...tracker.observe(level, context.clock.nowMs()));
  }
  if (readings.length > 0) return { status: 'ok', readings, ...(events.length > 0 ? { events } : {}) };
  const problems = parts.flatMap((part) => (part.problem === undefined ? [] : [part.problem]));
  if (problems.length > 0) return { status: 'error', error: new Error(problems.join('; ')) };
  return {
    status: 'not-available-here',
    reason: parts.flatMap((part) => (part.missing === undefined ? [] : [part.missing])).join('; '),
  };
}
