import { describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge } from '../test-support/test-collector.ts';
import { createFailedAuthLimiter } from './auth-limiter.ts';

describe('failed-authentication throttle', () => {
  it('answers 429 with Retry-After after 20 wrong tokens from one address, on ingest and on the API', async () => {
    const collector = createTestCollector();
    const body = jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: collector.clock.nowMs }] });
    for (let i = 0; i < 20; i++) {
      expect(
        (await collector.post('metrics', body, { token: `pmt_0000000000000000_guess${i}` })).status,
      ).toBe(401);
    }
    const blocked = await collector.post('metrics', body, { token: 'pmt_0000000000000000_guess-21' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('too_many_auth_failures');
    // While blocked, a right token from the same address waits too: the guesser learns nothing.
    expect((await collector.post('metrics', body)).status).toBe(429);
    // The API has its own count: reading is not blocked by ingest guesses.
    const reader = collector.tokenFor('auditor', 'reader');
    const api = await collector.app.request('/api/v1/drift', {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(api.status).toBe(200);
    collector.close();
  });

  it('forgets failures older than the window, and keeps a bounded number of addresses', () => {
    const limiter = createFailedAuthLimiter({ maxFailures: 3, windowMs: 1_000, maxAddresses: 2 });
    for (const at of [0, 10, 20]) limiter.recordFailure('a', at);
    expect(limiter.blockedFor('a', 30)).toBe(1);
    expect(limiter.blockedFor('a', 1_021)).toBe(0);
    limiter.recordFailure('b', 40);
    limiter.recordFailure('c', 50);
    // 'a' was the least recently failing address: forgotten once a third one arrived.
    expect(limiter.blockedFor('a', 60)).toBe(0);
  });
});
