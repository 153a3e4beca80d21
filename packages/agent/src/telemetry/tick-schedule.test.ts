import { describe, expect, it } from 'vitest';
import { createTickSchedule } from './tick-schedule.ts';

/** Simulates rounds of the given durations on a virtual clock; returns when each round started. */
function starts(
  intervalMs: number,
  durationsMs: number[],
  clockJumps: Record<number, number> = {},
): number[] {
  let now = 0;
  const schedule = createTickSchedule(now, intervalMs);
  const started: number[] = [];
  durationsMs.forEach((duration, round) => {
    started.push(now);
    now += duration + (clockJumps[round] ?? 0);
    now += schedule.afterRound(now).sleepMs;
  });
  return started;
}

describe('tick schedule', () => {
  it('keeps rounds on the interval grid whatever each round costs', () => {
    expect(starts(1000, [10, 300, 999, 0, 450])).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('skips the slots an overrunning round covered instead of bursting', () => {
    expect(starts(1000, [10, 2500, 10, 10])).toEqual([0, 1000, 4000, 5000]);
    expect(createTickSchedule(0, 1000).afterRound(3500)).toEqual({ sleepMs: 500, skipped: 3 });
  });

  it('re-anchors when the clock jumps back or forward instead of sleeping through the jump', () => {
    const back = starts(1000, [10, 10, 10], { 0: -3_600_000 });
    expect(back[1]! - back[0]!).toBeLessThanOrEqual(1000);
    expect(back[2]! - back[1]!).toBe(1000);
    const forward = createTickSchedule(0, 1000);
    expect(forward.afterRound(3_600_000 + 10).sleepMs).toBe(990);
  });
});
