import type { Sleeper } from '../host/clock.ts';

/**
 * Real timers behind the `Sleeper` seam. Only main.ts (and tests that want real time) build it;
 * everything else receives a `sleep`, so retry loops are tested without waiting. An abort ends the
 * sleep early and quietly: callers check their signal, they do not catch AbortError.
 *
 * A plain timer and an abort listener, not timers/promises' setTimeout: the agent aborts sleeps all
 * the time (each sampler's deadline once its sampler answers, the shipper's idle wait on every
 * append), and timers/promises answers each abort with a rejected AbortError, a DOMException whose
 * stack is captured only to be caught and dropped here: thousands an hour of an idle agent.
 */
export function createTimerSleeper(): Sleeper {
  return {
    sleep(ms, signal) {
      if (signal?.aborted) {
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}
