import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { type CommandResult, createRunCommand, type RunCommand } from '../../host/run-command.ts';
import { createRecordingLogger, createTestContext } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../test-support/ttar.ts';
import type { MetricReading, SampleResult } from '../types.ts';
import { createGpuSampler } from './index.ts';

const MIB = 1024 * 1024;
const QUERY_ARGV = [
  'nvidia-smi',
  '--query-gpu=index,uuid,pci.bus_id,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
  '--format=csv,noheader,nounits',
];
const linuxFixture = (...parts: string[]) => sharedFixturePath('linux', ...parts);

/**
 * What our narrow query prints on the GPU of a full `--format=csv` capture: the same values, our
 * columns in our order, units dropped (`nounits`). Kept independent of parse.ts on purpose.
 */
function narrowQueryOutput(captureName: string): string {
  const [header = '', row = ''] = readFileSync(linuxFixture(captureName), 'utf8').split('\n');
  const names = header.split(', ').map((name) => name.replace(/ \[.*\]$/, ''));
  const values = row.split(', ');
  const fields = QUERY_ARGV[1]?.replace('--query-gpu=', '').split(',') ?? [];
  return `${fields.map((field) => values[names.indexOf(field)]?.replace(/ (%|MiB|W)$/, '')).join(', ')}\n`;
}

/** Stands in for nvidia-smi behind the same RunCommand seam, recording each argv it is asked to run. */
function fakeNvidiaSmi(answer: CommandResult, calls: Array<readonly string[]> = []): RunCommand {
  return async (argv) => {
    calls.push(argv);
    return answer;
  };
}

const printing = (capture: string): CommandResult => ({
  status: 'ok',
  stdout: narrowQueryOutput(capture),
  stderr: '',
});

function readingsOf(result: SampleResult): MetricReading[] {
  if (result.status !== 'ok') {
    throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  }
  return result.readings;
}

const valuesOf = (readings: MetricReading[]) =>
  Object.fromEntries(readings.map((r) => [`${r.metric} ${r.attributes['hw.id']}`, r.value]));

describeWithFixtures('gpu sampler on the real nvidia-smi captures and amdgpu sysfs tree', () => {
  let amd: UnpackedTtar;
  beforeAll(() => {
    amd = unpackTtarFiles(linuxFixture('procfs-sys-class-drm-amdgpu.ttar'));
  });
  afterAll(() => amd.remove());
  // The procfs archive keeps its tree under `fixtures/sys/...`; `empty` has no /sys at all.
  const amdRoot = () => createFsRoot(join(amd.root, 'fixtures'));
  const emptyRoot = () => createFsRoot(join(amd.root, 'empty'));

  it('asks nvidia-smi for exactly our fields and reports the H100 under load', async () => {
    const calls: Array<readonly string[]> = [];
    const runCommand = fakeNvidiaSmi(printing('nvidia-smi-query-gpu-all-fields-h100.csv'), calls);
    const readings = readingsOf(
      await createGpuSampler(createTestContext(emptyRoot(), { runCommand })).collect(),
    );
    expect(calls).toEqual([QUERY_ARGV]);
    const id = '00000000:00:09.0';
    expect(valuesOf(readings)).toEqual({
      [`hw.gpu.utilization ${id}`]: 1,
      [`hw.gpu.memory.usage ${id}`]: 19818 * MIB,
      [`hw.gpu.memory.limit ${id}`]: 81559 * MIB,
      [`hw.temperature ${id}`]: 59,
      [`hw.power ${id}`]: 631.95,
    });
    expect(readings.find((r) => r.metric === 'hw.temperature')?.attributes).toEqual({
      'hw.id': id,
      'hw.name': 'NVIDIA H100 80GB HBM3 GPU',
      'hw.type': 'temperature',
    });
    expect(readings.find((r) => r.metric === 'hw.power')?.attributes['hw.name']).toBe('gpu');
    expect(readings.find((r) => r.metric === 'hw.gpu.utilization')?.attributes['hw.name']).toBe(
      'NVIDIA H100 80GB HBM3',
    );
  });

  it('reads the amdgpu card (4 % busy, VRAM in bytes) and skips the i915 card and connectors', async () => {
    const readings = readingsOf(await createGpuSampler(createTestContext(amdRoot())).collect());
    expect(valuesOf(readings)).toEqual({
      'hw.gpu.utilization 0000:09:00.0': 0.04,
      'hw.gpu.memory.usage 0000:09:00.0': 1490378752,
      'hw.gpu.memory.limit 0000:09:00.0': 8573157376,
    });
    // product_name is empty in the fixture.
    expect(readings.every((r) => r.attributes['hw.name'] === 'amdgpu card0')).toBe(true);
  });

  it('merges NVIDIA and AMD GPUs on one node', async () => {
    const runCommand = fakeNvidiaSmi(printing('nvidia-smi-query-gpu-all-fields-rtx4080s.csv'));
    const readings = readingsOf(
      await createGpuSampler(createTestContext(amdRoot(), { runCommand })).collect(),
    );
    const values = valuesOf(readings);
    expect(values['hw.gpu.utilization 00000000:01:00.0']).toBe(0.07);
    expect(values['hw.power 00000000:01:00.0']).toBe(84.24);
    expect(values['hw.gpu.utilization 0000:09:00.0']).toBe(0.04);
    expect(readings).toHaveLength(5 + 3);
  });

  it('keeps the AMD readings when nvidia-smi fails, and warns about the failure', async () => {
    const log = createRecordingLogger();
    const runCommand = fakeNvidiaSmi({ status: 'failed', exitCode: 15, stderr: 'Unknown Error\n' });
    const result = await createGpuSampler(createTestContext(amdRoot(), { runCommand, log })).collect();
    expect(readingsOf(result)).toHaveLength(3);
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
  });
});

describe('gpu sampler platform dispatch and this host', () => {
  it('dispatches macOS to the ioreg IOAccelerator reader (darwin.test.ts covers it)', async () => {
    const result = await createGpuSampler(
      createTestContext(createFsRoot('/'), { platform: 'darwin' }),
    ).collect();
    expect(result).toEqual({ status: 'not-available-here', reason: 'ioreg not installed' });
  });

  it.runIf(process.platform === 'linux')(
    'reads this host (real nvidia-smi, real /sys): finite readings, or not available',
    async () => {
      const result = await createGpuSampler(
        createTestContext(createFsRoot('/'), { runCommand: createRunCommand() }),
      ).collect();
      if (result.status === 'ok') {
        expect(result.readings.length).toBeGreaterThan(0);
        expect(result.readings.every((r) => Number.isFinite(r.value))).toBe(true);
      } else {
        expect(result).toMatchObject({ status: 'not-available-here' });
      }
    },
  );
});
