import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from './retry-after.ts';

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

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfterMs(['3', '9'], now)).toBe(3_000);
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
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
