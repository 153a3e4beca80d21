import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestCollector } from '../test-support/test-collector.ts';
import { createDispatcher } from './dispatcher.ts';
import { createAlertEngine } from './engine.ts';
import { parseRuleText } from './load-rules.ts';
import { createAlertmanagerTarget } from './notify-alertmanager.ts';
import { createWebhookTarget, verifyWebhookSignature, WEBHOOK_HEADERS } from './notify-webhook.ts';
import { createMemorySource } from './series-source.ts';

const RULES = parseRuleText(
  `
rules:
  - name: Hot
    selector: { metric: temp_celsius }
    function: last
    op: '>'
    threshold: 90
    for: 2m
    labels: { severity: warning }
    annotations: { summary: '{{ $labels.node }} at {{ $value }}' }
`,
  'test.yaml',
).rules;

function hotSource(untilMs: number) {
  const source = createMemorySource();
  const times: number[] = [];
  const values: number[] = [];
  for (let t = 0; t <= untilMs; t += 60_000) {
    times.push(t);
    values.push(95);
  }
  source.add('temp_celsius', { node: 'n1' }, times, values);
  return source;
}

async function receiver(statuses: number[]) {
  const bodies: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      bodies.push({ body, headers: req.headers });
      res.statusCode = statuses.shift() ?? 200;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('alert engine', () => {
  it('keeps a pending timer across a restart and does not page again after one', async () => {
    const collector = createTestCollector();
    const source = hotSource(20 * 60_000);
    const options = { rules: RULES, source, intervalMs: 60_000, resendMs: 60_000, externalUrl: 'http://c' };
    const first = createAlertEngine({ ...options, store: collector.store.alerts });
    await first.evaluate(0);
    expect((await first.evaluate(60_000)).transitions).toEqual([]);
    expect(first.alerts()[0]?.state).toBe('pending');

    // "Restart": a new engine over the same store continues the timer started at t = 0.
    const second = createAlertEngine({ ...options, store: collector.store.alerts });
    const fired = await second.evaluate(120_000);
    expect(fired.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['pending->firing']);
    expect(fired.sent.map((a) => [a.status, a.labels['alertname'], a.annotations['summary']])).toEqual([
      ['firing', 'Hot', 'n1 at 95'],
    ]);
    expect(fired.sent[0]?.startsAt).toBe(new Date(120_000).toISOString());

    const third = createAlertEngine({ ...options, store: collector.store.alerts });
    expect((await third.evaluate(150_000)).sent).toEqual([]);
    expect((await third.evaluate(190_000)).sent).toHaveLength(1);
    collector.close();
  });

  it('sends endsAt = resolve time once the condition clears, and records the history', async () => {
    const collector = createTestCollector();
    const store = collector.store.alerts;
    const engine = createAlertEngine({
      rules: RULES,
      source: hotSource(3 * 60_000),
      store,
      intervalMs: 60_000,
      resendMs: 60_000,
      externalUrl: 'http://collector:4318',
    });
    for (let t = 0; t <= 3 * 60_000; t += 60_000) {
      await engine.evaluate(t);
    }
    // The last sample is at 3m; the instant lookback (5m) keeps it until 8m.
    const resolved = await engine.evaluate(8 * 60_000 + 1);
    expect(resolved.sent).toHaveLength(1);
    expect(resolved.sent[0]?.status).toBe('resolved');
    expect(resolved.sent[0]?.endsAt).toBe(new Date(8 * 60_000 + 1).toISOString());
    expect(resolved.sent[0]?.generatorURL).toBe('http://collector:4318/api/v1/alerts?alertname=Hot');
    expect(store.history(10).map((h) => `${h.from}->${h.to}`)).toEqual([
      'firing->inactive',
      'pending->firing',
      'new->pending',
    ]);
    collector.close();
  });

  it('retries Alertmanager on 503, signs the webhook, and logs every attempt', async () => {
    const collector = createTestCollector();
    const store = collector.store.alerts;
    const am = await receiver([503, 200]);
    const hook = await receiver([]);
    const secret = 'a-webhook-secret-of-some-length';
    const dispatcher = createDispatcher({
      targets: [
        createAlertmanagerTarget(am.url, 2_000),
        createWebhookTarget(`${hook.url}/hook`, secret, 2_000, Date.now),
      ],
      store,
      nowMs: Date.now,
      sleep: async () => {},
    });
    const engine = createAlertEngine({
      rules: RULES,
      source: hotSource(10 * 60_000),
      store,
      dispatcher,
      intervalMs: 60_000,
      resendMs: 60_000,
      externalUrl: 'http://c',
    });
    for (let t = 0; t <= 2 * 60_000; t += 60_000) {
      await engine.evaluate(t);
    }
    await dispatcher.idle();
    expect(am.bodies).toHaveLength(2);
    const posted = JSON.parse(am.bodies[1]?.body as string) as Array<Record<string, unknown>>;
    expect(posted[0]).toMatchObject({ labels: { alertname: 'Hot', node: 'n1', severity: 'warning' } });
    expect(Object.keys(posted[0] as object).sort()).toEqual([
      'annotations',
      'endsAt',
      'generatorURL',
      'labels',
      'startsAt',
    ]);
    const delivery = hook.bodies[0];
    expect(
      verifyWebhookSignature(
        secret,
        {
          timestamp: delivery?.headers[WEBHOOK_HEADERS.timestamp] as string,
          signature: delivery?.headers[WEBHOOK_HEADERS.signature] as string,
        },
        delivery?.body as string,
        Date.now(),
      ),
    ).toBe(true);
    expect(
      verifyWebhookSignature('wrong-secret-xxxxxxxxx', { timestamp: '1', signature: 'x' }, '', Date.now()),
    ).toBe(false);
    expect(
      store
        .notifications(10)
        .map((n) => `${n.notifier}:${n.attempt}:${n.outcome}`)
        .sort(),
    ).toEqual(['alertmanager:1:retry', 'alertmanager:2:sent', 'webhook:1:sent']);

    // The API shows the firing alert and its history to a reader token.
    const response = await collector.app.request('/api/v1/alerts', {
      headers: { authorization: `Bearer ${collector.tokenFor('ops', 'reader')}` },
    });
    const api = (await response.json()) as {
      active: Array<{ name: string; state: string }>;
      history: unknown[];
    };
    expect(api.active.map((a) => `${a.name}:${a.state}`)).toEqual(['Hot:firing']);
    expect(api.history).toHaveLength(2);
    const forbidden = await collector.app.request('/api/v1/alerts', {
      headers: { authorization: `Bearer ${collector.tokenFor('n1', 'node')}` },
    });
    expect(forbidden.status).toBe(403);
    await am.close();
    await hook.close();
    collector.close();
  });

  it('names the file, the rule and the key in a loading error', () => {
    expect(() =>
      parseRuleText(
        'rules:\n  - name: Bad\n    selector: { metric: x }\n    function: rate\n    op: ">"\n    threshold: 1\n',
        'r.yaml',
      ),
    ).toThrow('r.yaml: rules[0] (Bad).window: rate needs a window such as 5m');
    expect(() =>
      parseRuleText(
        'rules:\n  - name: Bad\n    selector: { metric: x }\n    function: last\n    op: ">"\n    threshold: 1\n    annotations: { s: "{{ .Value }}" }\n',
        'r.yaml',
      ),
    ).toThrow(/r\.yaml: rules\[0\] \(Bad\)\.annotations\.s: template/);
    // A baseline threshold (factor × function over a window of a series) needs its function's window.
    const baseline = (extra: string) =>
      parseRuleText(
        `rules:\n  - name: Bad\n    selector: { metric: x }\n    function: rate\n    window: 10m\n    op: ">"\n    threshold: { metric: x, on: [node], ${extra} }\n`,
        'r.yaml',
      );
    expect(() => baseline('function: rate, factor: 3')).toThrow(
      'r.yaml: rules[0] (Bad).threshold.window: rate needs a window such as 5m',
    );
    expect(() => baseline('window: 1d')).toThrow(
      'r.yaml: rules[0] (Bad).threshold.window: window needs function (rate, increase, avg, …)',
    );
    expect(() => baseline('function: rate, window: 1d, factor: 0')).toThrow(/threshold\.factor/);
    expect(
      baseline('function: rate, window: 1d, aggregate: sum, by: [node], factor: 3').rules[0]?.threshold,
    ).toEqual({
      metric: 'x',
      matchers: {},
      on: ['node'],
      function: 'rate',
      window: 86_400_000,
      aggregate: 'sum',
      by: ['node'],
      factor: 3,
    });
  });
});
