import { Hono } from 'hono';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertStore } from '../alerts/alert-store.ts';
import type { AlertInstance } from '../alerts/state.ts';
import type { ReplayReader } from '../replay/replay-worker.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { revokeTokens } from '../tokens/token-store.ts';
import { consoleRoutes } from './console-routes.ts';
import { CONSOLE_CSP } from './console-security.ts';
import { readFleet, readFleetNode } from './fleet-data.ts';

/**
 * The console through Hono's app.request, on a real store in a temp dir: the collector's whole app
 * (so the path split between console and machine API is the real one) and the console app alone.
 */
let t: TestCollector;

beforeEach(() => {
  t = createTestCollector();
});
afterEach(() => {
  t.close();
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const cookieOf = (response: Response) => (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
const signIn = async (app: { request: Hono['request'] }, token: string) => {
  const response = await app.request('/sign-in', form({ token }));
  expect(response.status).toBe(303);
  return cookieOf(response);
};
const expectSecurityHeaders = (response: Response) => {
  expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('referrer-policy')).toBe('same-origin');
};

describe('console routes (app.request, real store)', () => {
  it('puts the security headers on every console response: pages, redirects, JSON 401, assets and a 404', async () => {
    const cookie = await signIn(t.app, t.tokenFor('auditor', 'reader'));
    const responses = [
      await t.app.request('/sign-in'),
      await t.app.request('/'),
      await t.app.request('/console/api/fleet'),
      await t.app.request('/', { headers: { cookie } }),
      await t.app.request('/alerts', { headers: { cookie } }),
      await t.app.request('/console/assets/console.css'),
      await t.app.request('/no/such/page', { headers: { cookie } }),
      await t.app.request('/nodes/nobody', { headers: { cookie } }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 303, 401, 200, 200, 200, 404, 404]);
    for (const response of responses) {
      expectSecurityHeaders(response);
    }
  });

  it('leaves the machine API to the collector: no console headers on /healthz, /metrics or an API 404', async () => {
    for (const path of ['/healthz', '/metrics', '/api/v1/nothing']) {
      const response = await t.app.request(path);
      expect(response.headers.get('content-security-policy')).toBeNull();
    }
    const missing = await t.app.request('/api/v1/nothing', {
      headers: { authorization: `Bearer ${t.tokenFor('auditor', 'reader')}` },
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('gives a page added later the same security headers', async () => {
    const app = consoleRoutes({
      store: t.store,
      verifyToken: (presented) =>
        presented === 'reader-token' ? { id: 'r1', nodeId: 'auditor', role: 'reader' } : null,
      nowMs: () => t.clock.nowMs,
      log: pino({ level: 'silent' }),
      replay: unusedReplay,
    });
    const page = new Hono();
    page.get('/brand-new', (c) => c.text('new page'));
    app.route('/', page);
    const response = await app.request('/brand-new');
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
  });

  it('ends a session when its token is revoked, and on sign-out', async () => {
    const cookie = await signIn(t.app, t.tokenFor('auditor', 'reader'));
    expect((await t.app.request('/console/api/fleet', { headers: { cookie } })).status).toBe(200);
    revokeTokens(t.store, { nodeId: 'auditor', actor: 'test', nowMs: t.clock.nowMs });
    const after = await t.app.request('/console/api/fleet', { headers: { cookie } });
    expect(after.status).toBe(401);
    expectSecurityHeaders(after);

    const second = await signIn(t.app, t.tokenFor('admin-1', 'admin'));
    const out = await t.app.request('/sign-out', { method: 'POST', headers: { cookie: second } });
    expect(out.status).toBe(303);
    expect((await t.app.request('/', { headers: { cookie: second } })).status).toBe(303);
    expect(t.store.audit.list().map((row) => row.action)).toContain('console.sign_out');
  });

  it('refuses a node token (403, audited) and a cross-site post (403, with the headers)', async () => {
    const refused = await t.app.request('/sign-in', form({ token: t.tokenFor('node-a') }));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const crossSite = await t.app.request('/sign-in', {
      ...form({ token: t.tokenFor('auditor', 'reader') }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expectSecurityHeaders(crossSite);
    const outcomes = t.store.audit
      .list()
      .filter((row) => row.action === 'console.sign_in')
      .map((row) => row.detail['outcome']);
    expect(outcomes).toEqual(['refused_role']);
  });

  it('reads one node only: its own row, and its alert transitions in the window filtered in the store', async () => {
    const now = t.clock.nowMs;
    const temperature = (nodeId: string, value: number) =>
      t.post(
        'metrics',
        jsonGauge({ nodeId, points: [{ value, timeMs: now - 1000, attributes: { 'hw.id': 'soc' } }] }),
        { token: t.tokenFor(nodeId) },
      );
    expect((await temperature('node-a', 61)).status).toBe(200);
    expect((await temperature('node-b', 90)).status).toBe(200);
    t.tokenFor('never-sent');
    const alerts = createAlertStore(t.store);
    const alert = (node: string): AlertInstance => ({
      ruleKey: 'perimeter/Hot',
      name: `Hot-${node}`,
      fingerprint: `fp-${node}`,
      labels: { alertname: 'Hot', node },
      annotations: {},
      value: 1,
      state: 'firing',
      activeAtMs: now - 120_000,
      firedAtMs: now - 60_000,
      resolvedAtMs: null,
      keepFiringSinceMs: null,
      lastSentAtMs: null,
    });
    for (const node of ['node-a', 'node-b']) {
      alerts.saveCycle(
        [alert(node)],
        [],
        [
          { alert: alert(node), from: 'inactive', to: 'pending', atMs: now - 7_200_000 },
          { alert: alert(node), from: 'pending', to: 'firing', atMs: now - 60_000 },
        ],
      );
    }

    const options = { nowMs: now };
    const source = { store: t.store, reads: t.store.console };
    const row = readFleetNode(source, 'node-a', options);
    expect(row).toMatchObject({
      nodeId: 'node-a',
      status: 'up',
      hottest: { celsius: 61 },
      firingAlerts: ['Hot-node-a'],
    });
    expect(readFleetNode(source, 'never-sent', options)).toMatchObject({
      status: 'never-seen',
      firingAlerts: [],
    });
    expect(readFleetNode(source, 'nobody', options)).toBeUndefined();
    expect(readFleet(source, options).map((r) => r.nodeId)).toEqual(['never-sent', 'node-a', 'node-b']);

    const history = t.store.console.nodeAlertHistory('node-a', { fromMs: now - 3_600_000, toMs: now }, 10);
    expect(history.map((h) => [h.name, h.to])).toEqual([['Hot-node-a', 'firing']]);
    expect(t.store.console.nodeAlertHistory('node-a', { fromMs: 0, toMs: now }, 10).map((h) => h.to)).toEqual(
      ['firing', 'pending'],
    );
  });
});

const unusedReplay: ReplayReader = {
  read: () => Promise.reject(new Error('no replay in this test')),
  close: () => Promise.resolve(),
};
