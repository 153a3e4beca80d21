import type { RunCommand } from '../../host/run-command.ts';
import { commandProblem, parsedOrError, type SourceOutcome } from './apple-sensor-types.ts';
import { powerReadings } from './macmon.ts';
import { parseLastPlist } from './plist-parse.ts';
import {
  powermetricsGpuActive,
  powermetricsPower,
  powermetricsThermalPressure,
} from './powermetrics-parse.ts';

/**
 * The one reading path that needs root, used only when the operator opted in
 * (`hardware.powermetricsViaSudo`) after installing deploy/sudoers/perimeter-powermetrics, which
 * allows exactly this argv and nothing else. `sudo -n` never prompts: without the rule it fails at
 * once ("a password is required"), which is reported as needing root. It is opt-in because every
 * refused sudo is written to the auth log, and a refusal every round would flood the login events.
 * powermetrics has no temperatures or fans on Apple silicon; it gives power, GPU residency and the
 * thermal pressure word.
 */
export const SUDO_POWERMETRICS_ARGV: readonly string[] = [
  'sudo',
  '-n',
  '/usr/bin/powermetrics',
  '-n',
  '1',
  '-i',
  '1000',
  '-f',
  'plist',
  '--samplers',
  'cpu_power,gpu_power,thermal',
];
const TIMEOUT_MS = 5_000;

export async function runPowermetricsViaSudo(runCommand: RunCommand): Promise<SourceOutcome> {
  const result = await runCommand(SUDO_POWERMETRICS_ARGV, { timeoutMs: TIMEOUT_MS });
  if (result.status === 'failed' && /password is required|not allowed|may not run/i.test(result.stderr)) {
    return {
      status: 'missing',
      reason: 'powermetrics needs root: install deploy/sudoers/perimeter-powermetrics (exact argv only)',
    };
  }
  if (result.status !== 'ok') return commandProblem('sudo powermetrics', result, 'sudo not installed');
  return parsedOrError('powermetrics', () => {
    const sample = parseLastPlist(result.stdout);
    const power = powermetricsPower(sample);
    return {
      source: 'powermetrics',
      temperatures: [],
      fans: null,
      gpuUtilization: powermetricsGpuActive(sample),
      pressureLevel: powermetricsThermalPressure(sample)?.level ?? null,
      power: powerReadings('powermetrics', {
        cpu: power?.cpuWatts ?? null,
        gpu: power?.gpuWatts ?? null,
        ane: power?.aneWatts ?? null,
        package: power?.combinedWatts ?? null,
      }),
    };
  });
}
