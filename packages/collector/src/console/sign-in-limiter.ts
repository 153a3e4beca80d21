/**
 * Sign-in attempts per key (sign-in.ts keys on client address and token id): at most `maxFailures`
 * failed attempts in a sliding `windowMs`; past that every attempt with the key is refused (429)
 * until the oldest failure leaves the window, without even checking the token, so guessing costs
 * time. A success does not clear the count (a stolen reader token must not buy more guesses).
 * Memory is bounded: the least-recently-failing keys are forgotten first.
 */
export interface SignInLimiterOptions {
  nowMs: () => number;
  maxFailures?: number;
  windowMs?: number;
  maxAddresses?: number;
}

export type LimitVerdict = { kind: 'allowed' } | { kind: 'limited'; retryAfterSeconds: number };

export interface SignInLimiter {
  check(address: string): LimitVerdict;
  recordFailure(address: string): void;
}

export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

export function createSignInLimiter(options: SignInLimiterOptions): SignInLimiter {
  const maxFailures = options.maxFailures ?? SIGN_IN_MAX_FAILURES;
  const windowMs = options.windowMs ?? SIGN_IN_WINDOW_MS;
  const maxAddresses = options.maxAddresses ?? 10_000;
  const failures = new Map<string, number[]>();

  const recent = (address: string, now: number): number[] => {
    const times = (failures.get(address) ?? []).filter((t) => now - t < windowMs);
    if (times.length === 0) {
      failures.delete(address);
    } else {
      failures.set(address, times);
    }
    return times;
  };

  return {
    check(address) {
      const now = options.nowMs();
      const times = recent(address, now);
      if (times.length < maxFailures) {
        return { kind: 'allowed' };
      }
      const oldest = times[times.length - maxFailures] as number;
      return { kind: 'limited', retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
    },
    recordFailure(address) {
      const now = options.nowMs();
      const times = recent(address, now);
      times.push(now);
      // Re-insert so the map's order is least-recently-failing first.
      failures.delete(address);
      failures.set(address, times.slice(-maxFailures));
      while (failures.size > maxAddresses) {
        failures.delete(failures.keys().next().value as string);
      }
    },
  };
}
