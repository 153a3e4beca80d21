import { describe, expect, it } from 'vitest';
import { type BackoffPolicy, classifyResponse, computeBackoffMs, parseRetryAfterMs } from './backoff.ts';

const policy: BackoffPolicy = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 'none' };

describe('computeBackoffMs', () => {
  it('grows exponentially from the initial delay and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 10, 100].map((n) => computeBackoffMs(policy, n, () => 0.5))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('full jitter spans [0, base]', () => {
    const full = { ...policy, jitter: 'full' } as const;
    expect(computeBackoffMs(full, 3, () => 0)).toBe(0);
    expect(computeBackoffMs(full, 3, () => 0.999999)).toBe(400);
    expect(computeBackoffMs(full, 3, () => 0.25)).toBe(100);
  });

  it('equal jitter never goes below half the base', () => {
    const equal = { ...policy, jitter: 'equal' } as const;
    expect(computeBackoffMs(equal, 3, () => 0)).toBe(200);
    expect(computeBackoffMs(equal, 3, () => 0.999999)).toBe(400);
    expect(computeBackoffMs(equal, 50, () => 0)).toBe(500);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('1', now)).toBe(1000);
    expect(parseRetryAfterMs(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfterMs('0', now)).toBe(0);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfterMs('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent and unreadable values', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs('-5', now)).toBeUndefined();
    expect(parseRetryAfterMs('1.5', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('classifyResponse', () => {
  it('follows the OTLP/HTTP table', () => {
    expect([200, 202, 204].map(classifyResponse)).toEqual(['ok', 'ok', 'ok']);
    expect([429, 502, 503, 504, 'network-error' as const].map(classifyResponse)).toEqual(
      Array(5).fill('retryable'),
    );
    expect([401, 403].map(classifyResponse)).toEqual(['auth', 'auth']);
    expect([400, 404, 413, 500, 501, 302].map(classifyResponse)).toEqual(Array(6).fill('rejected'));
  });
});
