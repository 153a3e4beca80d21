import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { RunCommand } from '../../host/run-command.ts';
import type { MetricReading } from '../types.ts';
import { type MacmonSample, parseMacmonPipeJson } from './macmon-parse.ts';

/**
 * Runs macmon once and turns its sample into readings. macmon is optional (an operator installs
 * it with `brew install macmon`), so its absence is `missing`, with that install hint, not an
 * error. Thermal and fans each run it; one `pipe -s 1` costs about one sampling interval (1 s).
 */

export const MACMON_PIPE_ARGV: readonly string[] = ['macmon', 'pipe', '-s', '1'];
export const MACMON_TIMEOUT_MS = 5_000;
export const MACMON_INSTALL_HINT = 'install macmon (brew install macmon; reads the SMC without root)';

export type MacmonOutcome =
  | { status: 'ok'; sample: MacmonSample }
  | { status: 'missing'; reason: string }
  | { status: 'error'; error: Error };

// The thermal and fans samplers both read macmon in the same round, concurrently; `macmon pipe -s 1`
// samples for about a second, so the two share one run instead of starting two.
const inFlight = new WeakMap<RunCommand, Promise<MacmonOutcome>>();

export function readMacmon(runCommand: RunCommand): Promise<MacmonOutcome> {
  const running = inFlight.get(runCommand);
  if (running) {
    return running;
  }
  const outcome = runMacmon(runCommand).finally(() => inFlight.delete(runCommand));
  inFlight.set(runCommand, outcome);
  return outcome;
}

async function runMacmon(runCommand: RunCommand): Promise<MacmonOutcome> {
  const result = await runCommand(MACMON_PIPE_ARGV, { timeoutMs: MACMON_TIMEOUT_MS });
  switch (result.status) {
    case 'not-found':
      return { status: 'missing', reason: `macmon not installed: ${MACMON_INSTALL_HINT}` };
    case 'timeout':
      return { status: 'error', error: new Error(`macmon pipe timed out after ${result.afterMs} ms`) };
    case 'failed': {
      const firstLine =
        result.stderr
          .split('\n')
          .find((l) => l.trim() !== '')
          ?.trim() || '(no stderr)';
      return {
        status: 'error',
        error: new Error(`macmon exited with ${result.exitCode ?? 'a signal'}: ${firstLine}`),
      };
    }
    case 'ok':
      break;
  }
  try {
    return { status: 'ok', sample: parseMacmonPipeJson(result.stdout) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { status: 'error', error: new Error(`macmon pipe output unreadable: ${why}`) };
  }
}

export function macmonTemperatureReadings(sample: MacmonSample): MetricReading[] {
  const sensors: Array<[string, string, number | null]> = [
    ['macmon:cpu', 'CPU average', sample.cpuTempCelsius],
    ['macmon:gpu', 'GPU average', sample.gpuTempCelsius],
  ];
  return sensors.flatMap(([id, name, value]) =>
    value === null
      ? []
      : [
          {
            metric: MetricNames.hwTemperature,
            value,
            attributes: {
              [AttributeNames.hwId]: id,
              [AttributeNames.hwName]: name,
              [AttributeNames.hwType]: 'temperature',
            },
          },
        ],
  );
}

/** Real rpm only: a fan macmon listed is reported, 0 included (a stopped fan); none is invented. */
export function macmonFanReadings(sample: MacmonSample): MetricReading[] {
  return (sample.fans ?? []).map((fan) => ({
    metric: MetricNames.hwFanSpeed,
    value: fan.rpm,
    attributes: { [AttributeNames.hwId]: `macmon:${fan.name}`, [AttributeNames.hwName]: fan.name },
  }));
}

/** ARCHITECTURE "Names": hw.power is named by what draws it. Not wired into a sampler yet. */
export function macmonPowerReadings(sample: MacmonSample): MetricReading[] {
  return (['cpu', 'gpu', 'ane'] as const).flatMap((part) => {
    const value = sample.powerWatts[part];
    return value === null
      ? []
      : [
          {
            metric: MetricNames.hwPower,
            value,
            attributes: { [AttributeNames.hwId]: `macmon:${part}`, [AttributeNames.hwName]: part },
          },
        ];
  });
}
