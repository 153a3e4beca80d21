import { describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { createRecordingLogger, createTestContext } from '../../test-support/context.ts';
import type { MetricReading } from '../types.ts';
import { createSystemSampler, type SystemSource } from './index.ts';

const fakeSource: SystemSource = {
  currentLoad: async () => ({ currentLoad: 50 }),
  mem: async () => ({ total: 1000, available: 250 }),
  fsSize: async () => {
    throw new Error('df: /mnt/nfs: Stale file handle');
  },
  time: () => ({ uptime: 3600 }),
};

describe('system sampler', () => {
  it('keeps the readings of the parts that worked when one part fails, and logs the failure', async () => {
    const log = createRecordingLogger();
    const result = await createSystemSampler(
      createTestContext(createFsRoot('/'), { log }),
      fakeSource,
    ).collect();
    expect(result.status).toBe('ok');
    const metrics = result.status === 'ok' ? result.readings.map((r) => r.metric) : [];
    expect(metrics).toEqual([
      'system.cpu.utilization',
      'system.memory.usage',
      'system.memory.usage',
      'system.memory.utilization',
      'system.uptime',
    ]);
    expect(log.entries).toEqual([
      {
        level: 'warn',
        obj: { part: 'filesystem', err: expect.any(Error) },
        msg: 'system sampler part failed',
      },
    ]);
  });

  it('is an error when every part fails', async () => {
    const failing = (): never => {
      throw new Error('no');
    };
    const source: SystemSource = { currentLoad: failing, mem: failing, fsSize: failing, time: failing };
    const result = await createSystemSampler(createTestContext(createFsRoot('/')), source).collect();
    expect(result.status).toBe('error');
  });

  it('reads sane values from this host through systeminformation', async () => {
    const result = await createSystemSampler(createTestContext(createFsRoot('/'))).collect();
    if (result.status !== 'ok') {
      throw new Error(`expected ok, got ${result.status}`);
    }
    const values = (metric: string): number[] =>
      result.readings.filter((r: MetricReading) => r.metric === metric).map((r) => r.value);
    expect(result.readings.every((r) => Number.isFinite(r.value))).toBe(true);
    const [cpu] = values('system.cpu.utilization');
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(1);
    const [memory] = values('system.memory.utilization');
    expect(memory).toBeGreaterThan(0);
    expect(memory).toBeLessThan(1);
    expect(values('system.uptime')[0]).toBeGreaterThan(0);
    expect(values('system.filesystem.utilization').length).toBeGreaterThanOrEqual(1);
    for (const ratio of values('system.filesystem.utilization')) {
      expect(ratio).toBeGreaterThanOrEqual(0);
      expect(ratio).toBeLessThanOrEqual(1);
    }
  });
});
