import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReplayReader } from '../replay/replay-worker.ts';
import { createTestCollector, type TestCollector } from '../test-support/test-collector.ts';
import { createTokenVerifier } from '../tokens/token-store.ts';
import { consoleRoutes } from './console-routes.ts';

/**
 * The attack: behind a TLS-terminating proxy the collector sees http:// URLs, so its session cookie
 * went out without Secure (and a plain-HTTP page on the same host, or a sibling subdomain, could
 * plant one). With `console.secureCookies` the cookie is Secure and `__Host-` prefixed.
 */
let t: TestCollector;
beforeEach(() => {
  t = createTestCollector();
});
afterEach(() => {
  t.close();
});

const unusedReplay: ReplayReader = {
  read: () => Promise.reject(new Error('not used')),
  close: () => Promise.resolve(),
} as unknown as ReplayReader;

const consoleApp = (secureCookies: boolean) =>
  consoleRoutes({
    store: t.store,
    verifyToken: createTokenVerifier(t.store),
    nowMs: () => t.clock.nowMs,
    log: pino({ level: 'silent' }),
    replay: unusedReplay,
    secureCookies,
  });
const signIn = (app: ReturnType<typeof consoleApp>, url: string) =>
  app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: t.tokenFor('auditor', 'reader') }).toString(),
  });

describe('session cookie behind a TLS-terminating proxy', () => {
  it('plain HTTP without secureCookies: no Secure, no __Host- (a browser would drop it)', async () => {
    const response = await signIn(consoleApp(false), 'http://collector.lab/sign-in');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^perimeter_session=/);
    expect(cookie).not.toContain('Secure');
  });

  it('plain HTTP with secureCookies: Secure, __Host-, Path=/, no Domain; the session then opens pages', async () => {
    const app = consoleApp(true);
    const response = await signIn(app, 'http://collector.lab/sign-in');
    expect(response.status).toBe(303);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^__Host-perimeter_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Domain');
    const pair = cookie.split(';')[0] as string;
    expect(
      (await app.request('http://collector.lab/console/api/fleet', { headers: { cookie: pair } })).status,
    ).toBe(200);
    // A planted cookie without the prefix is not read in a Secure deployment.
    const planted = pair.replace('__Host-perimeter_session', 'perimeter_session');
    expect(
      (await app.request('http://collector.lab/console/api/fleet', { headers: { cookie: planted } })).status,
    ).toBe(401);
    const out = await app.request('http://collector.lab/sign-out', {
      method: 'POST',
      headers: { cookie: pair },
    });
    expect(out.headers.get('set-cookie') ?? '').toMatch(/^__Host-perimeter_session=;.*Secure/);
  });

  it('over https the cookie is Secure and __Host- without any setting', async () => {
    const response = await signIn(consoleApp(false), 'https://collector.lab/sign-in');
    expect(response.headers.get('set-cookie') ?? '').toMatch(/^__Host-perimeter_session=.*Secure/);
  });
});
