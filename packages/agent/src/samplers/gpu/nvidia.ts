import type { RunCommand } from '../../host/run-command.ts';
import type { Logger, SampleResult } from '../types.ts';
import { NVIDIA_QUERY_FIELDS, nvidiaGpuStats, parseNvidiaSmiCsv } from './parse.ts';
import { gpuReadings } from './readings.ts';

/**
 * NVIDIA GPUs through `nvidia-smi`, the one reader every NVIDIA driver ships (NVML bindings would
 * need a native module). A host without the tool or without a loaded driver has no NVIDIA GPU for
 * us, which is `not-available-here`; anything else that goes wrong is a real `error`.
 */

export const NVIDIA_SMI_ARGV: readonly string[] = [
  'nvidia-smi',
  `--query-gpu=${NVIDIA_QUERY_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];

/** nvidia-smi takes seconds to wake GPUs that are not in persistence mode. */
export const NVIDIA_SMI_TIMEOUT_MS = 8_000;

// What nvidia-smi says on stderr when the driver is absent or not loaded (exit 9 or 6).
const NO_DRIVER = /NVIDIA-SMI has failed|couldn't communicate with the NVIDIA driver|No devices were found/i;

/**
 * Most nodes have no nvidia-smi, and a failed spawn costs ~2 ms of CPU every round. After a
 * not-found the next rounds skip the attempt, and it is retried every NOT_FOUND_RECHECK_ROUNDS
 * rounds (5 minutes at 10 s), so a driver installed later is still picked up.
 */
export const NOT_FOUND_RECHECK_ROUNDS = 30;
const roundsToSkip = new WeakMap<RunCommand, number>();

export async function readNvidiaGpus(runCommand: RunCommand, log: Logger): Promise<SampleResult> {
  const skip = roundsToSkip.get(runCommand) ?? 0;
  if (skip > 0) {
    roundsToSkip.set(runCommand, skip - 1);
    return { status: 'not-available-here', reason: 'nvidia-smi not installed' };
  }
  const result = await runCommand(NVIDIA_SMI_ARGV, { timeoutMs: NVIDIA_SMI_TIMEOUT_MS });
  switch (result.status) {
    case 'not-found':
      roundsToSkip.set(runCommand, NOT_FOUND_RECHECK_ROUNDS - 1);
      return { status: 'not-available-here', reason: 'nvidia-smi not installed' };
    case 'timeout':
      return { status: 'error', error: new Error(`nvidia-smi timed out after ${result.afterMs} ms`) };
    case 'failed': {
      const firstLine =
        result.stderr
          .split('\n')
          .find((line) => line.trim() !== '')
          ?.trim() ?? '';
      if (NO_DRIVER.test(firstLine)) {
        return { status: 'not-available-here', reason: firstLine };
      }
      return {
        status: 'error',
        error: new Error(
          `nvidia-smi exited with ${result.exitCode ?? 'a signal'}: ${firstLine || '(no stderr)'}`,
        ),
      };
    }
    case 'ok':
      break;
  }
  const table = parseNvidiaSmiCsv(result.stdout, NVIDIA_QUERY_FIELDS);
  if (table.badLines.length > 0) {
    log.warn(
      { lines: table.badLines, fields: NVIDIA_QUERY_FIELDS.length },
      'nvidia-smi lines skipped: wrong field count',
    );
  }
  if (table.rows.length === 0) {
    return table.badLines.length > 0
      ? { status: 'error', error: new Error('nvidia-smi printed no line with the fields asked for') }
      : { status: 'not-available-here', reason: 'nvidia-smi listed no GPU' };
  }
  return { status: 'ok', readings: table.rows.flatMap((row) => gpuReadings(nvidiaGpuStats(row))) };
}
