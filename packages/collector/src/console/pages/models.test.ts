import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonEvents } from '../../test-support/loopback-collector.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../../test-support/test-collector.ts';

/** The Models page on a real store: the fleet's weights digests, drift and integrity marked. */
let t: TestCollector;
beforeEach(() => {
  t = createTestCollector();
});
afterEach(() => {
  t.close();
});

const A = 'sha256:b8c7e4f1d2a1f9';
const B = 'sha256:0000aa11bb22cc';
const info = (digest: string, timeMs: number) =>
  jsonGauge({
    name: 'perimeter.model.info',
    unit: '{model}',
    points: [
      {
        value: 1,
        timeMs,
        attributes: {
          'model.name': 'llama3.3:70b',
          'model.source': 'ollama',
          'model.digest': digest,
          'model.path': `/usr/share/ollama/.ollama/models/blobs/${digest.replace(':', '-')}`,
        },
      },
    ],
  });

describe('console Models page', () => {
  it('lists node × weights digest per model, marks the node off the majority and the failing integrity', async () => {
    const now = t.clock.nowMs;
    for (const [node, digest] of [
      ['gpu-1', A],
      ['gpu-2', A],
      ['gpu-3', B],
    ] as const) {
      expect((await t.post('metrics', info(digest, now), { token: t.tokenFor(node) })).status).toBe(200);
    }
    const tampered = jsonEvents({
      nodeId: 'gpu-1',
      events: [
        {
          name: 'model.integrity',
          timeMs: now,
          attributes: {
            'model.name': 'llama3.3:70b',
            expected: A,
            observed: 'sha256:ffff',
            outcome: 'mismatch',
          },
        },
      ],
    });
    expect((await t.post('logs', tampered, { token: t.tokenFor('gpu-1') })).status).toBe(200);

    const signIn = await t.app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.tokenFor('auditor', 'reader') }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect((await t.app.request('/models')).status).toBe(303); // no session: to sign-in
    const page = await t.app.request('/models', { headers: { cookie } });
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('<a href="/models" class="current">Models</a>');
    expect(body).toContain('3 model(s) on 3 node(s)');
    const row = (node: string) => {
      const match = new RegExp(`<tr class="([a-z]*)" data-node="${node}"[\\s\\S]*?</tr>`).exec(body);
      if (!match) throw new Error(`no row for ${node}`);
      return { cls: match[1], html: match[0] };
    };
    expect(row('gpu-3').cls).toBe('pending');
    expect(row('gpu-3').html).toContain('DIFFERS');
    expect(row('gpu-3').html).toContain(`majority ${A}`);
    expect(row('gpu-1').cls).toBe('firing');
    expect(row('gpu-1').html).toContain('MISMATCH');
    expect(row('gpu-2').cls).toBe('');
    expect(row('gpu-2').html).toContain('majority');
  });
});
