/**
 * Failed-authentication throttle per key (bearerAuth keys it by client address and presented
 * token id): after `maxFailures` failures within `windowMs`, that key's failures get 429 with Retry-After
 * until the window has passed. Keys are kept in a bounded map (least recently failing forgotten
 * first), so spraying from many addresses or token ids cannot grow memory.
 */
export interface FailedAuthLimiter {
  /** Seconds to wait when this key is blocked now, else 0. */
  blockedFor(key: string, nowMs: number): number;
  recordFailure(key: string, nowMs: number): void;
}

export interface FailedAuthLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  maxKeys?: number;
}

export function createFailedAuthLimiter(options: FailedAuthLimiterOptions = {}): FailedAuthLimiter {
  const maxFailures = options.maxFailures ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const maxKeys = options.maxKeys ?? 10_000;
  /** key → failure times within the window, oldest first (Map order: least recently failed first). */
  const failures = new Map<string, number[]>();
  const recent = (key: string, nowMs: number) =>
    (failures.get(key) ?? []).filter((atMs) => nowMs - atMs < windowMs);
  return {
    blockedFor(key, nowMs) {
      const times = recent(key, nowMs);
      if (times.length < maxFailures) return 0;
      const oldest = times[times.length - maxFailures] ?? nowMs;
      return Math.max(1, Math.ceil((oldest + windowMs - nowMs) / 1000));
    },
    recordFailure(key, nowMs) {
      const times = recent(key, nowMs).slice(-maxFailures);
      times.push(nowMs);
      failures.delete(key);
      failures.set(key, times);
      while (failures.size > maxKeys) {
        const oldest = failures.keys().next().value;
        if (oldest === undefined) break;
        failures.delete(oldest);
      }
    },
  };
}
