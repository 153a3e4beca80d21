import { AttributeNames, MetricNames } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import type { SampleResult, Sampler } from '../samplers/types.ts';
import { createTimerSleeper } from '../ship/sleep.ts';
import { createRecordingLogger } from '../test-support/context.ts';
import { createSampleRunner } from './sample-round.ts';

const sampler = (name: string, collect: () => Promise<SampleResult>): Sampler => ({ name, collect });
const temp = (value: number) => ({
  metric: MetricNames.hwTemperature,
  value,
  attributes: { [AttributeNames.hwId]: `t${value}` },
});
const { sleep } = createTimerSleeper();
const clock = { nowMs: () => Date.now() };

describe('sample round', () => {
  it('keeps the readings of healthy samplers when others fail, time out or have nothing here', async () => {
    const log = createRecordingLogger();
    const runner = createSampleRunner({
      samplers: [
        sampler('good', async () => ({ status: 'ok', readings: [temp(41), temp(Number.NaN), temp(42)] })),
        sampler('broken', async () => ({ status: 'error', error: new Error('parse failed') })),
        sampler('throws', async () => {
          throw new Error('bug');
        }),
        sampler('slow', () => new Promise(() => {})),
        sampler('absent', async () => ({ status: 'not-available-here', reason: 'no hwmon' })),
      ],
      clock,
      sleep,
      log,
      timeoutMs: 50,
    });
    const round = await runner.run();
    expect(round.readings.map((r) => r.value)).toEqual([41, 42]);
    expect(round.outcomes.map((o) => [o.name, o.status, o.readings, o.dropped])).toEqual([
      ['good', 'ok', 2, 1],
      ['broken', 'error', 0, 0],
      ['throws', 'error', 0, 0],
      ['slow', 'timeout', 0, 0],
      ['absent', 'not-available-here', 0, 0],
    ]);
    expect(round.outcomes[3]?.durationMs).toBeGreaterThanOrEqual(45);
    await runner.run();
    expect(runner.failures()).toEqual({ broken: 2, throws: 2, slow: 2 });
    const debugAbsent = log.entries.filter(
      (e) => e.level === 'debug' && JSON.stringify(e.obj).includes('absent'),
    );
    expect(debugAbsent).toHaveLength(1);
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(6);
  });

  it('passes sampler events through', async () => {
    const event = { event: 'thermal.state' as const, timeMs: 1, body: 'heavy', attributes: {} };
    const runner = createSampleRunner({
      samplers: [sampler('t', async () => ({ status: 'ok', readings: [], events: [event] }))],
      clock,
      sleep,
      log: createRecordingLogger(),
      timeoutMs: 1000,
    });
    expect((await runner.run()).events).toEqual([event]);
  });
});
