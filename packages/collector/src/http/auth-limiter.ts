/**
 * Failed-authentication throttle per client address: after `maxFailures` wrong or unknown tokens
 * within `windowMs`, that address gets 429 with Retry-After until the window has passed, without
 * its tokens even being checked, so a token cannot be guessed at line rate. Addresses are kept in
 * a bounded map (oldest forgotten first), so spraying from many addresses cannot grow memory.
 */
export interface FailedAuthLimiter {
  /** Seconds to wait when this address is blocked now, else 0. */
  blockedFor(address: string, nowMs: number): number;
  recordFailure(address: string, nowMs: number): void;
}

export interface FailedAuthLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  maxAddresses?: number;
}

export function createFailedAuthLimiter(options: FailedAuthLimiterOptions = {}): FailedAuthLimiter {
  const maxFailures = options.maxFailures ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const maxAddresses = options.maxAddresses ?? 10_000;
  /** address → failure times within the window, oldest first (Map order: least recently failed first). */
  const failures = new Map<string, number[]>();
  const recent = (address: string, nowMs: number) =>
    (failures.get(address) ?? []).filter((atMs) => nowMs - atMs < windowMs);
  return {
    blockedFor(address, nowMs) {
      const times = recent(address, nowMs);
      if (times.length < maxFailures) return 0;
      const oldest = times[times.length - maxFailures] ?? nowMs;
      return Math.max(1, Math.ceil((oldest + windowMs - nowMs) / 1000));
    },
    recordFailure(address, nowMs) {
      const times = recent(address, nowMs).slice(-maxFailures);
      times.push(nowMs);
      failures.delete(address);
      failures.set(address, times);
      while (failures.size > maxAddresses) {
        const oldest = failures.keys().next().value;
        if (oldest === undefined) break;
        failures.delete(oldest);
      }
    },
  };
}
