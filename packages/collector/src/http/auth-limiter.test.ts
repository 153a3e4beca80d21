import { describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge } from '../test-support/test-collector.ts';
import { createToken, revokeTokens } from '../tokens/token-store.ts';
import { createFailedAuthLimiter } from './auth-limiter.ts';

describe('failed-authentication throttle', () => {
  it('answers 429 with Retry-After after 20 failures of one token id from one address', async () => {
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
    // Another token id from the same address still gets its own 401, not the other id's 429.
    expect((await collector.post('metrics', body, { token: 'pmt_1111111111111111_x' })).status).toBe(401);
    // A valid token from the same address is never refused because others failed (issue 18: behind
    // NAT, agents with revoked tokens locked everyone out): ingest and the read API both answer.
    expect((await collector.post('metrics', body)).status).toBe(200);
    const reader = collector.tokenFor('auditor', 'reader');
    for (let i = 0; i < 25; i++) {
      await collector.app.request('/api/v1/drift', {
        headers: { authorization: `Bearer pmt_${String(i).padStart(16, '0')}_revoked-agent` },
      });
    }
    const api = await collector.app.request('/api/v1/drift', {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(api.status).toBe(200);
    collector.close();
  });

  it('keeps a revoked token from one address at 429 while its valid replacement is served', async () => {
    const collector = createTestCollector();
    const body = jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: collector.clock.nowMs }] });
    const old = collector.tokenFor('node-a');
    revokeTokens(collector.store, { nodeId: 'node-a', actor: 'test', nowMs: 0 });
    const statuses = [];
    for (let i = 0; i < 21; i++)
      statuses.push((await collector.post('metrics', body, { token: old })).status);
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    const fresh = createToken(collector.store, {
      nodeId: 'node-a',
      role: 'node',
      actor: 'test',
      nowMs: 0,
    });
    expect((await collector.post('metrics', body, { token: fresh.token })).status).toBe(200);
    collector.close();
  });

  it('forgets failures older than the window, and keeps a bounded number of addresses', () => {
    const limiter = createFailedAuthLimiter({ maxFailures: 3, windowMs: 1_000, maxKeys: 2 });
    for (const at of [0, 10, 20]) limiter.recordFailure('a', at);
    expect(limiter.blockedFor('a', 30)).toBe(1);
    expect(limiter.blockedFor('a', 1_021)).toBe(0);
    limiter.recordFailure('b', 40);
    limiter.recordFailure('c', 50);
    // 'a' was the least recently failing key: forgotten once a third one arrived.
    expect(limiter.blockedFor('a', 60)).toBe(0);
  });
});
