import { describe, expect, it } from 'vitest';
import { type BackoffPolicy, backoffDelayMs, classifyExportStatus } from './retry-policy.ts';

const config: BackoffPolicy = {
  initialMs: 1_000,
  maxMs: 30_000,
  multiplier: 2,
  randomizationFactor: 0.5,
  maxRetryAfterMs: 60_000,
};
/** The largest value Math.random can return. */
const ALMOST_ONE = 1 - Number.EPSILON;

describe('classifyExportStatus', () => {
  it('retries network errors and 429/502/503/504, refuses other 4xx and 5xx for OTLP, retries any 5xx for remote write', () => {
    for (const status of [200, 202, 204]) {
      expect(classifyExportStatus(status, 'otlp')).toBe('ok');
    }
    for (const status of [429, 502, 503, 504, 'network-error'] as const) {
      expect(classifyExportStatus(status, 'otlp')).toBe('retryable');
      expect(classifyExportStatus(status, 'remote-write')).toBe('retryable');
    }
    for (const status of [400, 404, 413, 500, 501, 302]) {
      expect(classifyExportStatus(status, 'otlp')).toBe('rejected');
    }
    expect(classifyExportStatus(500, 'remote-write')).toBe('retryable');
    expect(classifyExportStatus(400, 'remote-write')).toBe('rejected');
  });

  it('tells a refused token (401/403) apart, so a caller may keep the data', () => {
    expect([401, 403].map((status) => classifyExportStatus(status))).toEqual(['auth', 'auth']);
  });
});

describe('backoffDelayMs', () => {
  it('grows by the multiplier from the initial interval and is capped at maxInterval', () => {
    const middle = () => 0.5; // no jitter: base exactly
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(config, attempt, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000,
    ]);
    expect(backoffDelayMs(config, 1_000, middle)).toBe(30_000);
    expect(backoffDelayMs(config, Number.MAX_SAFE_INTEGER, middle)).toBe(30_000);
  });

  it('keeps jitter within ±randomizationFactor of the base, and never past the cap', () => {
    for (const [attempt, base] of [
      [1, 1_000],
      [3, 4_000],
      [20, 30_000],
    ] as const) {
      expect(backoffDelayMs(config, attempt, () => 0)).toBe(base * 0.5);
      expect(backoffDelayMs(config, attempt, () => ALMOST_ONE)).toBe(Math.min(base * 1.5, config.maxMs));
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelayMs(config, attempt, Math.random);
        expect(delay).toBeGreaterThanOrEqual(base * 0.5);
        expect(delay).toBeLessThanOrEqual(Math.min(base * 1.5, config.maxMs));
      }
    }
    const noJitter = { ...config, randomizationFactor: 0 };
    expect(backoffDelayMs(noJitter, 2, () => 0)).toBe(2_000);
    expect(backoffDelayMs(noJitter, 2, () => ALMOST_ONE)).toBe(2_000);
  });

  it('treats Retry-After as a floor, clamped to maxRetryAfterMs', () => {
    expect(backoffDelayMs(config, 1, () => 0, 10_000)).toBe(10_000);
    // A shorter Retry-After does not shorten the backoff.
    expect(backoffDelayMs(config, 4, () => 0.5, 1_000)).toBe(8_000);
    expect(backoffDelayMs(config, 1, () => 0, 3_600_000)).toBe(60_000);
    expect(backoffDelayMs(config, 1, () => 0, 0)).toBe(500);
  });
});
