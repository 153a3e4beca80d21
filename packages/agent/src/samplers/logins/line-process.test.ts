import { describe, expect, it } from 'vitest';
import type { LineProcessEvent } from './line-process.ts';
import { startLineProcess } from './line-process.ts';

describe('startLineProcess with real short-lived children', () => {
  it('delivers stdout lines and restarts with a doubling, capped backoff', async () => {
    const lines: string[] = [];
    const waits: number[] = [];
    const events: LineProcessEvent[] = [];
    let stop: () => Promise<void> = async () => {};
    const proc = startLineProcess({
      command: 'sh',
      args: ['-c', 'echo a; printf "b\\nc"; exit 1'],
      onLine: (l) => lines.push(l),
      onEvent: (e) => events.push(e),
      minBackoffMs: 100,
      maxBackoffMs: 300,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 4) void stop();
      },
    });
    stop = proc.stop;
    await proc.done;
    expect(lines).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
    expect(waits).toEqual([100, 200, 300, 300]);
    expect(
      events.filter((e) => e.type === 'exited').map((e) => (e.type === 'exited' ? e.code : null)),
    ).toEqual([1, 1, 1, 1]);
  });

  it('a run that lasted resetAfterMs resets the backoff', async () => {
    const waits: number[] = [];
    // now() is read at each start and each end: the third run lasts 5 s.
    const times = [0, 1, 2, 3, 4, 5004, 5005, 5006];
    let i = 0;
    let stop: () => Promise<void> = async () => {};
    const proc = startLineProcess({
      command: 'sh',
      args: ['-c', 'exit 0'],
      onLine: () => {},
      minBackoffMs: 10,
      resetAfterMs: 1000,
      now: () => times[i++] ?? 9999,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 4) void stop();
      },
    });
    stop = proc.stop;
    await proc.done;
    expect(waits).toEqual([10, 20, 10, 20]);
  });

  it('a missing command is reported once and retried slowly', async () => {
    const events: LineProcessEvent[] = [];
    const waits: number[] = [];
    let stop: () => Promise<void> = async () => {};
    const proc = startLineProcess({
      command: 'perimeter-no-such-command-xyz',
      args: [],
      onLine: () => {},
      onEvent: (e) => events.push(e),
      notFoundRetryMs: 300_000,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 3) void stop();
      },
    });
    stop = proc.stop;
    await proc.done;
    expect(waits).toEqual([300_000, 300_000, 300_000]);
    expect(events).toEqual([
      { type: 'not-found', command: 'perimeter-no-such-command-xyz', retryInMs: 300_000 },
    ]);
  });

  it('stop() kills a running child and ends the loop', async () => {
    const lines: string[] = [];
    let resolveFirst: () => void = () => {};
    const first = new Promise<void>((r) => {
      resolveFirst = r;
    });
    const proc = startLineProcess({
      command: process.execPath,
      args: ['-e', 'console.log("ready"); setInterval(() => {}, 1000)'],
      onLine: (l) => {
        lines.push(l);
        resolveFirst();
      },
      sleep: async () => {
        throw new Error('must not restart after stop');
      },
    });
    await first;
    const started = Date.now();
    await proc.stop();
    expect(lines).toEqual(['ready']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('args may be a function, read at each start (to resume after the newest cursor)', async () => {
    const lines: string[] = [];
    let n = 0;
    let stop: () => Promise<void> = async () => {};
    const proc = startLineProcess({
      command: 'sh',
      args: () => ['-c', `echo run${++n}`],
      onLine: (l) => lines.push(l),
      sleep: async () => {
        if (n === 2) void stop();
      },
    });
    stop = proc.stop;
    await proc.done;
    expect(lines).toEqual(['run1', 'run2']);
  });
});
