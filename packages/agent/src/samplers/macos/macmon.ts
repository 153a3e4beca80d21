import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { FetchText } from '../../host/fetch-text.ts';
import type { RunCommand } from '../../host/run-command.ts';
import type { MetricReading } from '../types.ts';
import {
  type AppleSensors,
  commandProblem,
  parsedOrError,
  type SensorSourceName,
  type SourceOutcome,
} from './apple-sensor-types.ts';
import { type MacmonSample, macmonSampleFromExposition, parseMacmonPipeJson } from './macmon-parse.ts';

/**
 * macmon, the no-root SMC/IOReport reader an operator installs with `brew install macmon`, read two
 * ways: from `macmon serve` when it already runs as a launchd agent (`macmon serve --install`; an
 * HTTP read costs nothing), else by running `macmon pipe -s 1` (about one second of sampling).
 */

export const MACMON_PIPE_ARGV: readonly string[] = ['macmon', 'pipe', '-s', '1'];
export const MACMON_TIMEOUT_MS = 5_000;
/** macmon serve's default listen address and path (its readme: `--install`, default port 9090). */
export const DEFAULT_MACMON_URL = 'http://127.0.0.1:9090/metrics';
export const MACMON_INSTALL_HINT =
  'install macmon (brew install macmon; reads the SMC without root) and run `macmon serve --install`';

export async function readMacmonServe(fetchText: FetchText | undefined, url: string): Promise<SourceOutcome> {
  if (fetchText === undefined) return { status: 'missing', reason: `no macmon serve at ${url}` };
  const result = await fetchText(url, { timeoutMs: 2_000 });
  switch (result.status) {
    case 'unreachable':
      return { status: 'missing', reason: `no macmon serve at ${url} (${result.reason})` };
    case 'timeout':
      return {
        status: 'error',
        error: new Error(`macmon serve at ${url} timed out after ${result.afterMs} ms`),
      };
    case 'http-error':
      // macmon serve answers 503 until its first sample; a wrong path is a 404.
      return result.code === 503
        ? { status: 'missing', reason: `macmon serve at ${url} has no sample yet (503)` }
        : { status: 'error', error: new Error(`macmon serve at ${url} answered HTTP ${result.code}`) };
    case 'ok':
      break;
  }
  return parsedOrError('macmon serve', () => {
    const sample = macmonSampleFromExposition(result.body);
    if (sample.chip === null && sample.cpuTempCelsius === null && sample.fans === null) {
      throw new Error(`no macmon_ series in the answer of ${url}`);
    }
    return macmonSensors('macmon serve', sample);
  });
}

export async function runMacmonPipe(runCommand: RunCommand): Promise<SourceOutcome> {
  const result = await runCommand(MACMON_PIPE_ARGV, { timeoutMs: MACMON_TIMEOUT_MS });
  if (result.status !== 'ok') {
    return commandProblem('macmon pipe', result, 'macmon not installed');
  }
  return parsedOrError('macmon pipe', () => macmonSensors('macmon pipe', parseMacmonPipeJson(result.stdout)));
}

export function macmonSensors(source: SensorSourceName, sample: MacmonSample): AppleSensors {
  return {
    source,
    temperatures: macmonTemperatureReadings(sample),
    fans: sample.fans === null ? null : macmonFanReadings(sample),
    gpuUtilization: sample.gpuUtilization,
    pressureLevel: null,
    power: powerReadings('macmon', sample.powerWatts),
  };
}

export function temperatureReading(id: string, name: string, value: number): MetricReading {
  return {
    metric: MetricNames.hwTemperature,
    value,
    attributes: {
      [AttributeNames.hwId]: id,
      [AttributeNames.hwName]: name,
      [AttributeNames.hwType]: 'temperature',
    },
  };
}

export function macmonTemperatureReadings(sample: MacmonSample): MetricReading[] {
  const sensors: Array<[string, string, number | null]> = [
    ['macmon:cpu', 'CPU average', sample.cpuTempCelsius],
    ['macmon:gpu', 'GPU average', sample.gpuTempCelsius],
  ];
  return sensors.flatMap(([id, name, value]) =>
    value === null ? [] : [temperatureReading(id, name, value)],
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

/**
 * ARCHITECTURE "Names": hw.power is named by what draws it (cpu, gpu, ane, dram, package = the
 * SoC's sum, system = the whole machine from the SMC). The id keeps the tool, since two tools sum
 * different rails.
 */
export function powerReadings(tool: string, watts: Record<string, number | null>): MetricReading[] {
  return Object.entries(watts).flatMap(([part, value]) =>
    value === null
      ? []
      : [
          {
            metric: MetricNames.hwPower,
            value,
            attributes: { [AttributeNames.hwId]: `${tool}:${part}`, [AttributeNames.hwName]: part },
          },
        ],
  );
}
