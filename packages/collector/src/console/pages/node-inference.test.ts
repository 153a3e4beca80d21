import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonEvents } from '../../test-support/loopback-collector.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../../test-support/test-collector.ts';

/**
 * The node page's inference rows (issue 19) on a real store through the console app: requests by
 * status, tokens in and out, users, and the newest requests, for this node and this window only,
 * with every value from the proxy's log escaped (a user name is whatever the proxy wrote).
 */
let t: TestCollector;
beforeEach(() => {
  t = createTestCollector();
});
afterEach(() => {
  t.close();
});

const HOSTILE = '<script>alert("pwn")</script>&"\'';

function request(timeMs: number, user: string, status: number, extra: Record<string, string | number> = {}) {
  return {
    name: 'inference.request',
    timeMs,
    attributes: {
      'user.name': user,
      'client.address': '10.0.0.7',
      'http.request.method': 'POST',
      'http.route': '/api/chat',
      'http.response.status_code': status,
      ...extra,
    },
  };
}

async function signIn(): Promise<string> {
  const response = await t.app.request('/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: t.tokenFor('auditor', 'reader') }).toString(),
  });
  expect(response.status).toBe(303);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

async function send(nodeId: string, events: ReturnType<typeof request>[]): Promise<void> {
  const now = t.clock.nowMs;
  const gauge = jsonGauge({
    nodeId,
    name: 'system.cpu.utilization',
    unit: '1',
    points: [{ value: 0.1, timeMs: now }],
  });
  expect((await t.post('metrics', gauge, { token: t.tokenFor(nodeId) })).status).toBe(200);
  if (events.length > 0)
    expect((await t.post('logs', jsonEvents({ nodeId, events }), { token: t.tokenFor(nodeId) })).status).toBe(
      200,
    );
}

describe('console node page: inference rows', () => {
  it('summarises the window’s requests by status, tokens and user, lists the newest, escapes everything', async () => {
    const now = t.clock.nowMs;
    await send('gpu-1', [
      request(now - 3 * 3_600_000, 'old-user', 500), // before the default 1 h window
      request(now - 50 * 60_000, 'alice', 200, {
        'gen_ai.request.model': 'llama3.2',
        'gen_ai.usage.input_tokens': 26,
        'gen_ai.usage.output_tokens': 259,
        'http.server.request.duration': 0.412,
      }),
      request(now - 40 * 60_000, 'alice', 401),
      request(now - 30 * 60_000, HOSTILE, 403),
      request(now - 20 * 60_000, 'bob@corp', 200, {
        'gen_ai.usage.input_tokens': 4,
        'gen_ai.usage.output_tokens': 1,
      }),
    ]);
    await send('gpu-2', [request(now - 10 * 60_000, 'mallory', 200)]);
    const cookie = await signIn();

    const page = await t.app.request('/nodes/gpu-1', { headers: { cookie } });
    expect(page.status).toBe(200);
    const body = await page.text();
    const section = /<section id="inference">[\s\S]*?<\/section>/.exec(body)?.[0] ?? '';
    expect(section).toContain('4 request(s) in this window');
    const statuses = /<dd id="inference-status">([\s\S]*?)<\/dd>/.exec(section)?.[1] ?? '';
    expect(
      [...statuses.matchAll(/data-status="(\d+)">\d+ × (\d+)/g)].map((m) => [m[1], Number(m[2])]),
    ).toEqual([
      ['200', 2],
      ['401', 1],
      ['403', 1],
    ]);
    expect(section).toContain('<dd id="inference-tokens">30 / 260</dd>');
    expect(section).toMatch(/<dd id="inference-users">3: <span class="user">alice<\/span> × 2/);
    expect(section).not.toContain('old-user');
    expect(section).not.toContain('mallory');

    // The hostile name is text, never markup.
    expect(body).not.toContain('<script>alert(');
    expect(section).toContain('&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt;&amp;&quot;&#39;');

    const rows = [
      ...(/<table id="inference-requests"[\s\S]*?<\/table>/.exec(section)?.[0] ?? '').matchAll(
        /<tr class="(ok|failed)" data-status="(\d+)">([\s\S]*?)<\/tr>/g,
      ),
    ];
    expect(rows.map((r) => [r[1], r[2]])).toEqual([
      ['ok', '200'],
      ['failed', '403'],
      ['failed', '401'],
      ['ok', '200'],
    ]); // newest first
    const cells = (row: RegExpMatchArray) =>
      [...(row[3] ?? '').matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1]);
    expect(cells(rows[3] as RegExpMatchArray)).toEqual([
      '<time datetime="2026-11-23T05:10:00.000Z">2026-11-23T05:10:00.000Z</time>',
      'alice',
      '10.0.0.7',
      'POST /api/chat',
      '200',
      'llama3.2',
      '26 / 259',
      '412 ms',
    ]);
    expect(cells(rows[2] as RegExpMatchArray).slice(5)).toEqual(['—', '— / —', '—']);

    // A wider window takes the older request in.
    const day = await (await t.app.request('/nodes/gpu-1?from=-24h&to=now', { headers: { cookie } })).text();
    expect(day).toContain('5 request(s) in this window');
    expect(day).toContain('data-status="500">500 × 1');
  });

  it('says so when the node had no inference requests in the window', async () => {
    await send('gpu-3', []);
    const body = await (await t.app.request('/nodes/gpu-3', { headers: { cookie: await signIn() } })).text();
    expect(body).toContain('0 request(s) in this window');
    expect(body).toContain('no inference requests in this window');
    expect(body).not.toContain('id="inference-requests"');
  });
});
