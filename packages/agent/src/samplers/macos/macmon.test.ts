import { describe, expect, it } from 'vitest';
import type { CommandResult } from '../../host/run-command.ts';
import { macmonFanReadings, macmonPowerReadings, macmonTemperatureReadings, readMacmon } from './macmon.ts';
import { MACMON_PIPE_LINE } from './macmon-test-input.ts';

async function readWith(answer: CommandResult) {
  const calls: Array<{ argv: readonly string[]; timeoutMs: number | undefined }> = [];
  const outcome = await readMacmon(async (argv, options) => {
    calls.push({ argv, timeoutMs: options?.timeoutMs });
    return answer;
  });
  return { outcome, calls };
}

describe('readMacmon', () => {
  it('shares one macmon run between concurrent readers (thermal and fans), and runs again next round', async () => {
    let runs = 0;
    const runCommand = async (): Promise<CommandResult> => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { status: 'ok', stdout: MACMON_PIPE_LINE, stderr: '' };
    };
    const [thermal, fans] = await Promise.all([readMacmon(runCommand), readMacmon(runCommand)]);
    expect(runs).toBe(1);
    expect(thermal).toBe(fans);
    await readMacmon(runCommand);
    expect(runs).toBe(2);
  });

  it('runs exactly `macmon pipe -s 1` with a timeout', async () => {
    const { calls } = await readWith({ status: 'not-found', command: 'macmon' });
    expect(calls).toEqual([{ argv: ['macmon', 'pipe', '-s', '1'], timeoutMs: 5000 }]);
  });

  it('is missing, with the install hint, when macmon is not installed', async () => {
    const { outcome } = await readWith({ status: 'not-found', command: 'macmon' });
    expect(outcome).toEqual({ status: 'missing', reason: expect.stringContaining('brew install macmon') });
  });

  it('is an error when macmon fails, times out or prints garbage', async () => {
    const failed = await readWith({ status: 'failed', exitCode: 1, stderr: 'Error: IOReport\n' });
    expect(failed.outcome.status === 'error' && failed.outcome.error.message).toBe(
      'macmon exited with 1: Error: IOReport',
    );
    const late = await readWith({ status: 'timeout', afterMs: 5000 });
    expect(late.outcome.status).toBe('error');
    const garbled = await readWith({ status: 'ok', stdout: '{"temp":', stderr: '' });
    expect(garbled.outcome.status === 'error' && garbled.outcome.error.message).toMatch(/unreadable/);
  });

  it('turns a sample into temperature, fan and power readings', async () => {
    const { outcome } = await readWith({ status: 'ok', stdout: MACMON_PIPE_LINE, stderr: '' });
    if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
    expect(macmonTemperatureReadings(outcome.sample)).toEqual([
      {
        metric: 'hw.temperature',
        value: 47.3,
        attributes: { 'hw.id': 'macmon:cpu', 'hw.name': 'CPU average', 'hw.type': 'temperature' },
      },
    ]);
    expect(macmonFanReadings(outcome.sample)).toEqual([
      { metric: 'hw.fan.speed', value: 1234, attributes: { 'hw.id': 'macmon:fan0', 'hw.name': 'fan0' } },
    ]);
    expect(macmonPowerReadings(outcome.sample).map((r) => [r.attributes['hw.name'], r.value])).toEqual([
      ['cpu', 8.42],
      ['gpu', 0.5],
      ['ane', 0],
    ]);
  });
});
