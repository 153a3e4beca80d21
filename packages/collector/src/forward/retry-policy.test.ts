import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyStatus, parseRetryAfterMs, type RetryConfig } from './retry-policy.ts';

const config: RetryConfig = {
  initialInterval: 1_000,
  maxInterval: 30_000,
  multiplier: 2,
  randomizationFactor: 0.5,
  maxRetryAfter: 60_000,
};
/** The largest value Math.random can return. */
const ALMOST_ONE = 1 - Number.EPSILON;

describe('classifyStatus', () => {
  it('retries 429/502/503/504, dead-letters other 4xx and 5xx for OTLP, retries any 5xx for remote write', () => {
    for (const status of [200, 202, 204]) {
      expect(classifyStatus(status, 'otlp')).toBe('ok');
    }
    for (const status of [429, 502, 503, 504]) {
      expect(classifyStatus(status, 'otlp')).toBe('retryable');
      expect(classifyStatus(status, 'remote-write')).toBe('retryable');
    }
    for (const status of [400, 401, 403, 404, 413, 500, 501]) {
      expect(classifyStatus(status, 'otlp')).toBe('permanent');
    }
    expect(classifyStatus(500, 'remote-write')).toBe('retryable');
    expect(classifyStatus(400, 'remote-write')).toBe('permanent');
  });
});

describe('backoffDelayMs', () => {
  it('grows by the multiplier from the initial interval and is capped at maxInterval', () => {
    const middle = () => 0.5; // no jitter: base exactly
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, config, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000,
    ]);
    expect(backoffDelayMs(1_000, config, middle)).toBe(30_000);
    expect(backoffDelayMs(Number.MAX_SAFE_INTEGER, config, middle)).toBe(30_000);
  });

  it('keeps jitter within ±randomizationFactor of the base, including at the cap', () => {
    for (const [attempt, base] of [
      [1, 1_000],
      [3, 4_000],
      [20, 30_000],
    ] as const) {
      expect(backoffDelayMs(attempt, config, () => 0)).toBe(base * 0.5);
      expect(backoffDelayMs(attempt, config, () => ALMOST_ONE)).toBe(base * 1.5);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelayMs(attempt, config, Math.random);
        expect(delay).toBeGreaterThanOrEqual(base * 0.5);
        expect(delay).toBeLessThanOrEqual(base * 1.5);
      }
    }
    const noJitter = { ...config, randomizationFactor: 0 };
    expect(backoffDelayMs(2, noJitter, () => 0)).toBe(2_000);
    expect(backoffDelayMs(2, noJitter, () => ALMOST_ONE)).toBe(2_000);
  });

  it('treats Retry-After as a floor, clamped to maxRetryAfter', () => {
    expect(backoffDelayMs(1, config, () => 0, 10_000)).toBe(10_000);
    // A shorter Retry-After does not shorten the backoff.
    expect(backoffDelayMs(4, config, () => 0.5, 1_000)).toBe(8_000);
    expect(backoffDelayMs(1, config, () => 0, 3_600_000)).toBe(60_000);
    expect(backoffDelayMs(1, config, () => 0, 0)).toBe(500);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-23T06:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('0', now)).toBe(0);
    expect(parseRetryAfterMs('1', now)).toBe(1_000);
    expect(parseRetryAfterMs(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP-date (IMF-fixdate, and the obsolete RFC 850 and asctime forms) relative to now', () => {
    expect(parseRetryAfterMs('Mon, 23 Nov 2026 06:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfterMs('Monday, 23-Nov-26 06:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfterMs('Mon Nov 23 06:00:05 2026', now)).toBe(5_000);
    expect(parseRetryAfterMs('Mon Nov  2 06:00:05 2026', Date.parse('2026-11-02T06:00:00Z'))).toBe(5_000);
  });

  it('reads every HTTP-date form as GMT whatever the local time zone', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(new Date(now).getTimezoneOffset()).not.toBe(0);
      expect(parseRetryAfterMs('Mon Nov 23 06:00:05 2026', now)).toBe(5_000);
      expect(parseRetryAfterMs('Mon, 23 Nov 2026 06:00:30 GMT', now)).toBe(30_000);
    } finally {
      if (saved === undefined) {
        delete process.env.TZ;
      } else {
        process.env.TZ = saved;
      }
    }
  });

  it('answers 0 for a date in the past and undefined when absent or unreadable', () => {
    expect(parseRetryAfterMs('Mon, 23 Nov 2026 05:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-5', now)).toBeUndefined();
    // V8's Date.parse reads each of these as a date in 2001.
    expect(parseRetryAfterMs('1.5', now)).toBeUndefined();
    expect(parseRetryAfterMs('2 ', now)).toBe(2_000);
    expect(parseRetryAfterMs('Mon, 23 Nov 2026 06:00:30 UTC', now)).toBeUndefined();
  });
});
