import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../../host/run-command.ts';
import { createRecordingLogger } from '../../test-support/context.ts';
import { NOT_FOUND_RECHECK_ROUNDS, readNvidiaGpus } from './nvidia.ts';

// Real nvidia-smi messages: exit 9 without a loaded driver, exit 6 when the driver sees no GPU.
const NO_DRIVER =
  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n\n";

async function readWith(answer: CommandResult) {
  const calls: Array<{ argv: readonly string[]; timeoutMs: number | undefined }> = [];
  const log = createRecordingLogger();
  const result = await readNvidiaGpus(async (argv, options) => {
    calls.push({ argv, timeoutMs: options?.timeoutMs });
    return answer;
  }, log);
  return { result, calls, log };
}

describe('readNvidiaGpus outcomes', () => {
  it('after a not-found, stops spawning nvidia-smi and looks again every NOT_FOUND_RECHECK_ROUNDS rounds', async () => {
    let spawns = 0;
    const runCommand = async () => {
      spawns += 1;
      return { status: 'not-found' as const, command: 'nvidia-smi' };
    };
    const log = createRecordingLogger();
    for (let round = 0; round < NOT_FOUND_RECHECK_ROUNDS; round++) {
      expect((await readNvidiaGpus(runCommand, log)).status).toBe('not-available-here');
    }
    expect(spawns).toBe(1);
    await readNvidiaGpus(runCommand, log);
    expect(spawns).toBe(2);
  });

  it('runs exactly our query, as an argv list with a timeout', async () => {
    const { calls } = await readWith({ status: 'not-found', command: 'nvidia-smi' });
    expect(calls).toEqual([
      {
        argv: [
          'nvidia-smi',
          '--query-gpu=index,uuid,pci.bus_id,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
          '--format=csv,noheader,nounits',
        ],
        timeoutMs: expect.any(Number),
      },
    ]);
  });

  it('is not available when nvidia-smi is not installed', async () => {
    const { result } = await readWith({ status: 'not-found', command: 'nvidia-smi' });
    expect(result).toEqual({ status: 'not-available-here', reason: 'nvidia-smi not installed' });
  });

  it('is not available, with the driver message, when no NVIDIA driver is loaded', async () => {
    const { result } = await readWith({ status: 'failed', exitCode: 9, stderr: NO_DRIVER });
    expect(result).toEqual({ status: 'not-available-here', reason: NO_DRIVER.trim() });
  });

  it('is an error when nvidia-smi fails otherwise or times out', async () => {
    const failed = await readWith({
      status: 'failed',
      exitCode: 2,
      stderr: '\nInvalid combination of input arguments.\n',
    });
    expect(failed.result.status === 'error' && failed.result.error.message).toBe(
      'nvidia-smi exited with 2: Invalid combination of input arguments.',
    );
    const timedOut = await readWith({ status: 'timeout', afterMs: 8000 });
    expect(timedOut.result.status === 'error' && timedOut.result.error.message).toContain('timed out');
  });

  it('is not available when nvidia-smi lists no GPU, and an error when no line fits', async () => {
    expect((await readWith({ status: 'ok', stdout: '\n', stderr: '' })).result.status).toBe(
      'not-available-here',
    );
    const garbled = await readWith({ status: 'ok', stdout: 'Unknown Error\n', stderr: '' });
    expect(garbled.result.status).toBe('error');
    expect(garbled.log.entries.map((e) => [e.level, e.obj])).toEqual([['warn', { lines: [1], fields: 9 }]]);
  });
});
