/**
 * When the next sampling round starts. Rounds sit on a fixed grid (first + k × interval), so the
 * schedule does not drift by each round's own duration. A round that overruns skips the slots it
 * covered rather than bursting to catch up, and a clock that jumps (an NTP step, a test's injected
 * skew) re-anchors the grid instead of sleeping for the size of the jump. Pure: the loop feeds it
 * the clock.
 */
export interface TickSchedule {
  /** Call when a round has finished; says how long to wait and how many slots were skipped. */
  afterRound(nowMs: number): { sleepMs: number; skipped: number };
}

export function createTickSchedule(firstMs: number, intervalMs: number): TickSchedule {
  let nextAtMs = firstMs;
  return {
    afterRound(nowMs) {
      nextAtMs += intervalMs;
      let skipped = 0;
      if (nowMs >= nextAtMs) {
        skipped = Math.floor((nowMs - nextAtMs) / intervalMs) + 1;
        nextAtMs += skipped * intervalMs;
      } else if (nextAtMs - nowMs > intervalMs) {
        nextAtMs = nowMs + intervalMs; // the clock went backwards
      }
      return { sleepMs: nextAtMs - nowMs, skipped };
    },
  };
}
