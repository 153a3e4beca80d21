import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import type { CommandResult } from '../../host/run-command.ts';
import { createRecordingLogger, createTestContext } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { createGpuSampler } from './index.ts';

// The macOS GPU reader behind a fake runCommand that prints the real M4 ioreg capture, or fails.
const ARGV = ['ioreg', '-r', '-d', '1', '-w', '0', '-c', 'IOAccelerator'];
const m4 = () => readFileSync(sharedFixturePath('macos', 'ioreg-IOAccelerator-m4.txt'), 'utf8');

async function collectWith(answer: CommandResult) {
  const calls: Array<{ argv: readonly string[]; timeoutMs: number | undefined }> = [];
  const log = createRecordingLogger();
  const context = createTestContext(createFsRoot('/'), {
    platform: 'darwin',
    log,
    runCommand: async (argv, options) => {
      if (argv[0] !== 'ioreg') return { status: 'not-found', command: argv[0] ?? '' };
      calls.push({ argv, timeoutMs: options?.timeoutMs });
      return answer;
    },
  });
  return { result: await createGpuSampler(context).collect(), calls, log };
}

const printing = (stdout: string): CommandResult => ({ status: 'ok', stdout, stderr: '' });
const M4_ATTRS = { 'hw.id': 'gpu0', 'hw.name': 'Apple M4' };

describeWithFixtures('darwin gpu sampler on the real M4 ioreg capture', () => {
  it('runs the capture’s exact ioreg argv with a timeout, and reads device, renderer, tiler and memory', async () => {
    const { result, calls } = await collectWith(printing(m4()));
    expect(calls).toEqual([{ argv: ARGV, timeoutMs: 5000 }]);
    expect(result).toEqual({
      status: 'ok',
      readings: [
        { metric: 'hw.gpu.utilization', value: 0.01, attributes: { ...M4_ATTRS, 'hw.gpu.task': 'general' } },
        { metric: 'hw.gpu.memory.usage', value: 27443200, attributes: M4_ATTRS },
        { metric: 'hw.gpu.utilization', value: 0.01, attributes: { ...M4_ATTRS, 'hw.gpu.task': 'renderer' } },
        { metric: 'hw.gpu.utilization', value: 0.01, attributes: { ...M4_ATTRS, 'hw.gpu.task': 'tiler' } },
      ],
    });
  });

  it('gives each accelerator its own readings (two captures back to back)', async () => {
    const second = m4()
      .replace('"Device Utilization %"=1,', '"Device Utilization %"=57,')
      .replace('"model" = "Apple M4"', '"model" = "Apple M4 Pro"');
    const { result } = await collectWith(printing(`${m4()}${second}`));
    const readings = result.status === 'ok' ? result.readings : [];
    expect(readings).toHaveLength(8);
    expect(
      readings
        .filter((r) => r.attributes['hw.gpu.task'] === 'general')
        .map((r) => [r.attributes['hw.id'], r.attributes['hw.name'], r.value]),
    ).toEqual([
      ['gpu0', 'Apple M4', 0.01],
      ['gpu1', 'Apple M4 Pro', 0.57],
    ]);
  });

  it('errors, and warns with the line, when PerformanceStatistics is cut off', async () => {
    const text = m4();
    const cut = text.slice(0, text.indexOf('"Device Utilization %"'));
    const { result, log } = await collectWith(printing(cut));
    expect(result.status === 'error' && result.error.message).toBe(
      'PerformanceStatistics did not parse on IOAccelerator AGXAcceleratorG16G',
    );
    expect(log.entries.map((e) => [e.level, e.obj])).toEqual([
      [
        'warn',
        {
          accelerator: 'AGXAcceleratorG16G',
          problems: ['line 15: "PerformanceStatistics": {…} not closed (truncated?)'],
        },
      ],
    ]);
  });

  it('leaves out a utilization outside 0..100 or not a number, and keeps the rest', async () => {
    const odd = m4()
      .replace('"Device Utilization %"=1,', '"Device Utilization %"=250,')
      .replace('"Tiler Utilization %"=1,', '"Tiler Utilization %"="n/a",');
    const { result } = await collectWith(printing(odd));
    const readings = result.status === 'ok' ? result.readings : [];
    expect(readings.map((r) => r.attributes['hw.gpu.task'] ?? r.metric)).toEqual([
      'hw.gpu.memory.usage',
      'renderer',
    ]);
  });
});

describe('darwin gpu sampler outcomes', () => {
  it('is not available without ioreg, or when no accelerator or no statistics are listed', async () => {
    expect((await collectWith({ status: 'not-found', command: 'ioreg' })).result).toEqual({
      status: 'not-available-here',
      reason: 'ioreg not installed',
    });
    expect((await collectWith(printing(''))).result).toEqual({
      status: 'not-available-here',
      reason: 'ioreg listed no IOAccelerator',
    });
    const bare =
      '+-o AppleParavirtGPU  <class AppleParavirtGPU, id 0x1000002a1, registered>\n    {\n      "IOClass" = "AppleParavirtGPU"\n    }\n';
    expect((await collectWith(printing(bare))).result).toEqual({
      status: 'not-available-here',
      reason: 'no PerformanceStatistics on IOAccelerator AppleParavirtGPU',
    });
  });

  it('is an error when ioreg fails, times out or prints something else', async () => {
    const failed = await collectWith({ status: 'failed', exitCode: 1, stderr: '\nioreg: illegal option\n' });
    expect(failed.result.status === 'error' && failed.result.error.message).toBe(
      'ioreg exited with 1: ioreg: illegal option',
    );
    const timedOut = await collectWith({ status: 'timeout', afterMs: 5000 });
    expect(timedOut.result.status === 'error' && timedOut.result.error.message).toBe(
      'ioreg timed out after 5000 ms',
    );
    const garbage = await collectWith(printing('\u0000garbage\n'));
    expect(garbage.result.status === 'error' && garbage.result.error.message).toContain(
      'ioreg printed no IOAccelerator entry',
    );
  });
});
