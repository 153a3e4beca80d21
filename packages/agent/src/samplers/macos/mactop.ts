import type { RunCommand } from '../../host/run-command.ts';
import { commandProblem, parsedOrError, type SourceOutcome } from './apple-sensor-types.ts';
import { powerReadings, temperatureReading } from './macmon.ts';
import { parseMactopHeadless } from './mactop-parse.ts';

/**
 * mactop (`brew install mactop`), the other no-root reader: temperatures, GPU residency, power and
 * the OS thermal state, but no fan speed. Read once per round in headless mode.
 */
export const MACTOP_ARGV: readonly string[] = ['mactop', '--headless', '--count', '1'];
export const MACTOP_TIMEOUT_MS = 5_000;

export async function runMactop(runCommand: RunCommand): Promise<SourceOutcome> {
  const result = await runCommand(MACTOP_ARGV, { timeoutMs: MACTOP_TIMEOUT_MS });
  if (result.status !== 'ok') return commandProblem('mactop', result, 'mactop not installed');
  return parsedOrError('mactop', () => {
    const sample = parseMactopHeadless(result.stdout);
    const temperatures: Array<[string, string, number | null]> = [
      ['mactop:cpu', 'CPU average', sample.cpuTempCelsius],
      ['mactop:gpu', 'GPU average', sample.gpuTempCelsius],
      ['mactop:soc', 'SoC', sample.socTempCelsius],
    ];
    return {
      source: 'mactop',
      temperatures: temperatures.flatMap(([id, name, value]) =>
        value === null ? [] : [temperatureReading(id, name, value)],
      ),
      fans: null,
      gpuUtilization: sample.gpuUtilization,
      pressureLevel: sample.pressureLevel,
      power: powerReadings('mactop', sample.powerWatts),
    };
  });
}
