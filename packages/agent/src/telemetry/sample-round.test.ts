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
    // Round 1 warns for each failing sampler; round 2 fails the same way, so only at debug.
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(3);
    expect(log.entries.filter((e) => e.msg === 'sampler failed again')).toHaveLength(3);
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

describe('sample round logging of a sampler that keeps failing', () => {
  const failing = (message: string): SampleResult => ({ status: 'error', error: new Error(message) });
  const ok: SampleResult = { status: 'ok', readings: [temp(40)] };

  /** Runs one sampler through `script`, one result per round, and returns the log lines it caused. */
  async function logOf(script: Array<SampleResult | 'hang'>) {
    const log = createRecordingLogger();
    let round = 0;
    const runner = createSampleRunner({
      samplers: [
        sampler('flaky', () => {
          const next = script[round++];
          return next === 'hang' ? new Promise(() => {}) : Promise.resolve(next ?? ok);
        }),
      ],
      clock,
      sleep,
      log,
      timeoutMs: 20,
    });
    for (const _ of script) {
      await runner.run();
    }
    return {
      lines: log.entries.map((e) => [e.level, e.msg]),
      entries: log.entries,
      failures: runner.failures(),
    };
  }

  it('warns on the first failure and logs the same failure again only at debug', async () => {
    const { lines, entries, failures } = await logOf([
      failing('ENXIO'),
      failing('ENXIO'),
      failing('ENXIO'),
      failing('ENXIO'),
    ]);
    expect(lines).toEqual([
      ['warn', 'sampler failed'],
      ['debug', 'sampler failed again'],
      ['debug', 'sampler failed again'],
      ['debug', 'sampler failed again'],
    ]);
    expect(entries[0]?.obj).toEqual({ sampler: 'flaky', status: 'error', reason: 'ENXIO' });
    expect(entries[3]?.obj).toEqual({ sampler: 'flaky', status: 'error', reason: 'ENXIO', consecutive: 4 });
    expect(failures).toEqual({ flaky: 4 });
  });

  it('warns again when the reason changes, a timeout included', async () => {
    const { lines, entries } = await logOf([failing('ENXIO'), failing('EAGAIN'), failing('EAGAIN'), 'hang']);
    expect(lines).toEqual([
      ['warn', 'sampler failed'],
      ['warn', 'sampler failed'],
      ['debug', 'sampler failed again'],
      ['warn', 'sampler failed'],
    ]);
    expect(entries.map((e) => (e.obj as { reason?: string }).reason)).toEqual([
      'ENXIO',
      'EAGAIN',
      'EAGAIN',
      'no answer within 20 ms',
    ]);
  });

  it('logs one info on recovery, with the number of failed rounds, and warns anew on the next failure', async () => {
    const { lines, entries } = await logOf([
      failing('ENXIO'),
      failing('ENXIO'),
      failing('ENXIO'),
      ok,
      ok,
      failing('ENXIO'),
    ]);
    expect(lines).toEqual([
      ['warn', 'sampler failed'],
      ['debug', 'sampler failed again'],
      ['debug', 'sampler failed again'],
      ['info', 'sampler recovered after 3 failures'],
      ['warn', 'sampler failed'],
    ]);
    expect(entries[3]?.obj).toEqual({ sampler: 'flaky', status: 'ok', failures: 3 });
  });

  it('counts a failing sampler that finds nothing to read any more as recovered', async () => {
    const { lines } = await logOf([failing('EIO'), { status: 'not-available-here', reason: 'no hwmon' }]);
    expect(lines).toEqual([
      ['warn', 'sampler failed'],
      ['debug', 'sampler has nothing to read on this host'],
      ['info', 'sampler recovered after 1 failure'],
    ]);
  });
});
