import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReplayReader } from '../replay/replay-worker.ts';
import { createTestCollector, type TestCollector } from '../test-support/test-collector.ts';
import { createTokenVerifier } from '../tokens/token-store.ts';
import { consoleRoutes } from './console-routes.ts';
import { SIGN_IN_AUDIT_MAX_ROWS_PER_WINDOW, SIGN_IN_AUDIT_WINDOW_MS } from './sign-in-audit.ts';

/**
 * The attack: the limiter bounds failures per address, but every new address (a botnet, or one
 * host rotating IPv6 addresses) wrote five failure rows and a rate-limited row a minute, so the audit
 * log grew without bound. Now rows past the console-wide budget become one summary row with a count.
 */
let t: TestCollector;
beforeEach(() => {
  t = createTestCollector();
});
afterEach(() => t.close());

const unusedReplay = {} as ReplayReader;

describe('failed sign-ins from many addresses', () => {
  it('write at most the budget of rows a window, then one summary row counting the rest', async () => {
    const app = consoleRoutes({
      store: t.store,
      verifyToken: createTokenVerifier(t.store),
      nowMs: () => t.clock.nowMs,
      log: pino({ level: 'silent' }),
      replay: unusedReplay,
      clientAddress: (c) => c.req.header('x-test-address') ?? 'none',
    });
    const fail = (address: string) =>
      app.request('/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-test-address': address },
        body: new URLSearchParams({ token: 'pmt_0123456789abcdef_wrong' }).toString(),
      });
    const signInRows = () =>
      t.store.audit.list(100_000).filter((r) => r.action.startsWith('console.sign_in'));

    const attempts = 1_000;
    for (let i = 0; i < attempts; i++) {
      expect((await fail(`198.51.100.${i % 250}-${i}`)).status).toBe(401);
    }
    expect(signInRows()).toHaveLength(SIGN_IN_AUDIT_MAX_ROWS_PER_WINDOW);

    // A valid sign-in is always recorded, and the next window's first write carries the summary.
    t.clock.nowMs += SIGN_IN_AUDIT_WINDOW_MS;
    const good = await app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-test-address': '192.0.2.1' },
      body: new URLSearchParams({ token: t.tokenFor('auditor', 'reader') }).toString(),
    });
    expect(good.status).toBe(303);
    const rows = signInRows();
    const summary = rows.filter((r) => r.action === 'console.sign_in_suppressed');
    expect(summary).toHaveLength(1);
    expect(summary[0]?.detail).toMatchObject({
      count: attempts - SIGN_IN_AUDIT_MAX_ROWS_PER_WINDOW,
      addresses: attempts - SIGN_IN_AUDIT_MAX_ROWS_PER_WINDOW,
    });
    expect(rows.filter((r) => r.detail['outcome'] === 'success')).toHaveLength(1);
    expect(rows).toHaveLength(SIGN_IN_AUDIT_MAX_ROWS_PER_WINDOW + 2);
  });
});
