/**
 * A full garbage collection every few minutes (the agent: 5), when Node runs with --expose-gc (the deploy units and
 * test/helpers/agent-build.ts's AGENT_NODE_FLAGS pass it); without the flag this does nothing.
 *
 * Why by hand: V8 sizes its old generation for servers. The agent allocates a little every round,
 * its 1 MiB young generation promotes some of it, and V8 leaves that garbage in the old generation
 * until a limit sized in hundreds of MiB is reached: measured here, RSS climbed ~12 MiB an hour
 * (71 → 76 MiB in 23 minutes at a 10 s interval, with 2 mark-compacts in all, both at start). A
 * major GC of the agent's ~12 MiB heap costs a few milliseconds (bench/RESULTS.md has the figures).
 */
export interface HeapTrimmer {
  /** Call after each round: collects when at least `everyMs` passed since the last collection. */
  afterRound(): boolean;
}

export function createHeapTrimmer(options: {
  nowMs: () => number;
  everyMs?: number;
  /** globalThis.gc, present only under --expose-gc. */
  gc?: (() => void) | undefined;
}): HeapTrimmer {
  const everyMs = options.everyMs ?? 300_000;
  const gc = options.gc;
  let lastMs = options.nowMs();
  return {
    afterRound() {
      if (gc === undefined) return false;
      const now = options.nowMs();
      // A clock stepped backwards restarts the wait rather than stalling it for the size of the step.
      if (now >= lastMs && now - lastMs < everyMs) return false;
      lastMs = now;
      gc();
      return true;
    },
  };
}
