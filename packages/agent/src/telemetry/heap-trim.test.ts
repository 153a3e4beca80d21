import { describe, expect, it } from 'vitest';
import { createHeapTrimmer } from './heap-trim.ts';

describe('createHeapTrimmer', () => {
  it('collects once per interval of rounds, not every round', () => {
    let now = 0;
    let collections = 0;
    const trimmer = createHeapTrimmer({ nowMs: () => now, everyMs: 60_000, gc: () => collections++ });
    const ran: boolean[] = [];
    for (let round = 1; round <= 30; round++) {
      now = round * 10_000; // a 10 s interval: 300 s of rounds
      ran.push(trimmer.afterRound());
    }
    expect(collections).toBe(5);
    expect(ran.flatMap((r, i) => (r ? [(i + 1) * 10] : []))).toEqual([60, 120, 180, 240, 300]);
  });

  it('does nothing without --expose-gc', () => {
    let now = 0;
    const trimmer = createHeapTrimmer({ nowMs: () => now, everyMs: 1, gc: undefined });
    now = 10_000;
    expect(trimmer.afterRound()).toBe(false);
  });

  it('does not stall after the clock steps back', () => {
    let now = 3_600_000;
    let collections = 0;
    const trimmer = createHeapTrimmer({ nowMs: () => now, everyMs: 60_000, gc: () => collections++ });
    now = 0; // an hour back
    expect(trimmer.afterRound()).toBe(true);
    now = 30_000;
    expect(trimmer.afterRound()).toBe(false);
    now = 60_000;
    expect(trimmer.afterRound()).toBe(true);
    expect(collections).toBe(2);
  });
});
