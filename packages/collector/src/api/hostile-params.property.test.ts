import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';

/**
 * Every read API's query and path parameters under hostile values (SQL injection, unicode, huge,
 * empty, repeated): the answer is 200, or a 4xx that names the problem, never a 5xx; and the store
 * is untouched afterwards (SQL is always parameterised: a value can never become a statement).
 */
let collector: TestCollector;
let reader: string;
let batchesBefore = 0;

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE batches; --",
  '1; DELETE FROM events',
  '" OR 1=1 --',
  "') UNION SELECT hash, hash FROM batches --",
  '%27%20OR%201%3D1',
  '../../../etc/passwd',
  '\u0000',
  '<script>alert(1)</script>',
];
const hostile = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '-1', '0', '1e309', 'NaN', '9'.repeat(400), 'x'.repeat(5_000)),
);

async function get(path: string): Promise<number> {
  const response = await collector.app.request(path, { headers: { authorization: `Bearer ${reader}` } });
  const text = await response.text();
  expect(response.status, `${path} → ${response.status} ${text.slice(0, 200)}`).toBeLessThan(500);
  if (response.status >= 400) {
    const body = JSON.parse(text) as { error?: { message?: string } };
    expect(body.error?.message?.length ?? 0).toBeGreaterThan(5);
  }
  return response.status;
}

beforeAll(async () => {
  collector = createTestCollector();
  reader = collector.tokenFor('auditor', 'reader');
  const body = jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: collector.clock.nowMs }] });
  expect((await collector.post('metrics', body)).status).toBe(200);
  batchesBefore = collector.batchCount();
});
afterAll(() => collector.close());

describe('read APIs under hostile parameters (fast-check)', () => {
  const q = encodeURIComponent;

  it('drift, alerts and dead letters: query parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        fc.constantFrom('check', 'alertname', 'limit', 'resolved', 'x'),
        async (value, key) => {
          await get(`/api/v1/drift?${key}=${q(value)}`);
          await get(`/api/v1/alerts?${key}=${q(value)}`);
          await get(`/api/v1/forward/dead-letters?${key}=${q(value)}`);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the node timeline: path and every query parameter', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostile,
        hostile,
        fc.constantFrom('from', 'to', 'format', 'event', 'metric', 'events-only'),
        async (node, value, key) => {
          await get(`/api/v1/nodes/${q(node)}/timeline?from=-1h&to=now&${key}=${q(value)}`);
          await get(`/api/v1/nodes/node-a/timeline?${key}=${q(value)}&${key}=${q(value)}`);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('left the store as it was', () => {
    expect(collector.batchCount()).toBe(batchesBefore);
    expect(
      collector.sqlite().prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get(),
    ).toBeGreaterThan(10);
  });
});
