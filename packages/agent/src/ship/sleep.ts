import { setTimeout as delay } from 'node:timers/promises';
import type { Sleeper } from '../host/clock.ts';

/**
 * Real timers behind the `Sleeper` seam. Only main.ts (and tests that want real time) build it;
 * everything else receives a `sleep`, so retry loops are tested without waiting. An abort ends the
 * sleep early and quietly: callers check their signal, they do not catch AbortError.
 */
export function createTimerSleeper(): Sleeper {
  return {
    async sleep(ms, signal) {
      if (signal?.aborted) {
        return;
      }
      try {
        await delay(Math.max(0, ms), undefined, signal ? { signal } : {});
      } catch (error) {
        if ((error as Error).name !== 'AbortError') {
          throw error;
        }
      }
    },
  };
}
