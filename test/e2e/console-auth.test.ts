import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorProcess, startCollectorProcess, tokenSecret } from '../helpers/collector-process.ts';

/**
 * The console's door, without a browser: a real `serve` process on loopback, plain fetch. Proves
 * pages redirect and JSON answers 401 without a session, node tokens are refused, the cookie is an
 * opaque HttpOnly SameSite=Strict id (never the token), cross-site posts are refused, the CSP is
 * on every console response, uPlot is served from the collector with cache headers, revoking the
 * token or signing out ends the session, every attempt is an audit row, and the sixth failed
 * attempt for one token id from an address in 15 minutes is a 429 even with the right secret, while
 * another good token from the same address still signs in.
 */
let collector: CollectorProcess;
let reader: string;
let nodeToken: string;

// A request is retried once on a socket the server had already closed (so it never saw it): the
// tokens CLI runs synchronously, and on a busy machine it outlasts the server's 5 s keep-alive
// before fetch's own idle timer could drop the socket.
const fetchPastClosedSocket = (url: string, init: RequestInit): Promise<Response> =>
  fetch(url, init).catch((error: Error & { cause?: { code?: string } }) => {
    if (error.cause?.code === 'UND_ERR_SOCKET') {
      return fetch(url, init);
    }
    throw error;
  });
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetchPastClosedSocket(`${collector.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
const get = (path: string, cookie?: string) =>
  fetchPastClosedSocket(`${collector.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

const cookieOf = (response: Response) => (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
const auditRows = () =>
  collector
    .query<{ actor: string; action: string; detail_json: string }>(
      `SELECT actor, action, detail_json FROM audit_log WHERE action LIKE 'console.%' ORDER BY id`,
    )
    .map((row) => ({ ...row, detail: JSON.parse(row.detail_json) as Record<string, unknown> }));

describe('console sign-in and sessions (real collector, no browser)', () => {
  beforeAll(async () => {
    collector = await startCollectorProcess({ logLevel: 'warn' });
    reader = collector.createToken('auditor', 'reader');
    nodeToken = collector.createToken('mini-01', 'node');
  });
  afterAll(async () => {
    await collector?.stop();
  });

  it('redirects a page to sign-in and answers 401 to a JSON call without a session; CSP on both', async () => {
    const page = await get('/nodes/mini-01?from=-1h');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(
      `/sign-in?next=${encodeURIComponent('/nodes/mini-01?from=-1h')}`,
    );
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const json = await get('/console/api/fleet');
    expect(json.status).toBe(401);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    const signIn = await get('/sign-in');
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('content-security-policy')).toBe(csp);
    const text = await signIn.text();
    expect(text).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/);
    expect(text).not.toMatch(/\sstyle=/);
  });

  it('refuses a node token (403, no cookie) and a cross-site post (403)', async () => {
    const refused = await post('/sign-in', { token: nodeToken });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const crossSite = await post('/sign-in', { token: reader }, { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
  });

  it('signs in a reader with an opaque HttpOnly SameSite=Strict cookie; pages, JSON and uPlot then load', async () => {
    const response = await post('/sign-in', { token: reader, next: '/alerts' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/alerts');
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^perimeter_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain('Secure'); // plain HTTP here; Secure is set over TLS
    expect(setCookie).not.toContain(tokenSecret(reader));
    const cookie = cookieOf(response);
    const fleet = await get('/', cookie);
    expect(fleet.status).toBe(200);
    const html = await fleet.text();
    expect(html).toContain('data-node="mini-01"');
    expect(html).toContain('never seen');
    expect(html).not.toContain(reader);
    expect((await get('/console/api/fleet', cookie)).status).toBe(200);
    expect((await get('/alerts', cookie)).status).toBe(200);

    const open = /<script src="(\/console\/assets\/console\.js\?v=[0-9a-f]+)"/.exec(html)?.[1] as string;
    const asset = await get(open);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const uplot = await get('/console/vendor/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toContain('text/javascript');
    expect(uplot.headers.get('etag')).toMatch(/^"[0-9a-f]{16}"$/);
    expect(await uplot.text()).toContain('uPlot');
  });

  it('ends the session on sign-out and when the token is revoked', async () => {
    const first = cookieOf(await post('/sign-in', { token: reader }));
    expect((await get('/', first)).status).toBe(200);
    expect((await post('/sign-out', {}, { cookie: first })).status).toBe(303);
    expect((await get('/', first)).status).toBe(303);

    const second = cookieOf(await post('/sign-in', { token: reader }));
    expect((await get('/console/api/fleet', second)).status).toBe(200);
    collector.revokeNode('auditor');
    expect((await get('/console/api/fleet', second)).status).toBe(401);
  });

  it('writes every attempt as an audit row, never the token', () => {
    const rows = auditRows();
    const outcomes = rows.filter((r) => r.action === 'console.sign_in').map((r) => r.detail['outcome']);
    expect(outcomes).toEqual(['refused_role', 'success', 'success', 'success']);
    expect(rows.some((r) => r.action === 'console.sign_out')).toBe(true);
    expect(rows[0]).toMatchObject({
      actor: 'console:127.0.0.1',
      detail: { role: 'node', address: '127.0.0.1' },
    });
    expect(JSON.stringify(rows)).not.toContain(tokenSecret(nodeToken));
    expect(JSON.stringify(rows)).not.toContain(tokenSecret(reader));
  });

  // Last: it locks the guessed token ids out of this collector's sign-in from 127.0.0.1 for 15 minutes.
  it('answers 429 with Retry-After after 5 failed sign-ins for one token id from one address, and never refuses another good token', async () => {
    const guessed = `pmt_0123456789abcdef_${'x'.repeat(43)}`;
    for (let i = 0; i < 5; i++) expect((await post('/sign-in', { token: guessed })).status).toBe(401);
    const limitedGuess = await post('/sign-in', { token: guessed });
    expect(limitedGuess.status).toBe(429);
    expect(Number(limitedGuess.headers.get('retry-after'))).toBeGreaterThan(0);

    // Behind one address (a NAT), others' failures never lock out a good token.
    const admin = collector.createToken('ops', 'admin');
    expect((await post('/sign-in', { token: admin })).status).toBe(303);

    // Guessing one real token's secret is slowed: after 5 wrong secrets for its id, even the right one waits.
    const reader2 = collector.createToken('ops', 'reader');
    const wrongSecret = `${reader2.slice(0, 'pmt_'.length + 16 + 1)}${'y'.repeat(43)}`;
    for (let i = 0; i < 5; i++) expect((await post('/sign-in', { token: wrongSecret })).status).toBe(401);
    const limited = await post('/sign-in', { token: reader2 });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('set-cookie')).toBeNull();
    const rows = auditRows().filter((r) => r.action === 'console.sign_in');
    expect(rows.filter((r) => r.detail['outcome'] === 'failure')).toHaveLength(10);
    // Refusals are summarised: one rate_limited row a minute per address (sign-in-audit.ts).
    const limitedRows = rows.filter((r) => r.detail['outcome'] === 'rate_limited');
    expect(limitedRows).toHaveLength(1);
    expect(limitedRows[0]?.detail).toMatchObject({ address: '127.0.0.1' });
  });
});
