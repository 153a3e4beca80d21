import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestCollector,
  jsonGauge,
  TEST_LIMITS,
  type TestCollector,
} from '../test-support/test-collector.ts';
import { revokeTokens } from '../tokens/token-store.ts';

/**
 * Every malformed, oversized, unauthenticated or misaddressed request gets a 4xx whose JSON names
 * the problem, and leaves the store exactly as it was (ARCHITECTURE.md "Collector answers").
 */
describe('ingest refuses bad input with a named 4xx and stores nothing', () => {
  let collector: TestCollector;
  let good: string;
  beforeEach(async () => {
    collector = createTestCollector();
    good = jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: collector.clock.nowMs }] });
    // One good batch first, so "nothing stored is touched" is checked against a non-empty store.
    expect((await collector.post('metrics', good)).status).toBe(200);
  });
  afterEach(() => collector.close());

  async function expectRefused(response: Response, status: number, code: string, field?: string | RegExp) {
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; message: string; field?: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    if (field instanceof RegExp) {
      expect(body.error.field).toMatch(field);
    } else if (field !== undefined) {
      expect(body.error.field).toBe(field);
    }
    expect(collector.batchCount()).toBe(1);
    expect(collector.samples()).toHaveLength(1);
  }

  it('answers 400 for bytes that are not protobuf', async () => {
    const garbage = Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    await expectRefused(
      await collector.post('metrics', garbage, { contentType: 'application/x-protobuf' }),
      400,
      'bad_protobuf',
      'body',
    );
  });

  it('answers 400 for JSON that does not parse', async () => {
    await expectRefused(await collector.post('metrics', '{"resourceMetrics": [}'), 400, 'bad_json', 'body');
  });

  it('answers 400 for JSON that is not UTF-8', async () => {
    const invalidUtf8 = Buffer.concat([
      Buffer.from('{"resourceMetrics":[],"x":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    await expectRefused(await collector.post('metrics', invalidUtf8), 400, 'bad_json', 'body');
  });

  it('answers 400 naming the path of a wrongly shaped field', async () => {
    await expectRefused(
      await collector.post('metrics', '{"resourceMetrics": {"not": "an array"}}'),
      400,
      'invalid_field',
      'resourceMetrics',
    );
    const badTime = good.replace(/"timeUnixNano":"\d+"/, '"timeUnixNano":"yesterday"');
    await expectRefused(
      await collector.post('metrics', badTime),
      400,
      'invalid_field',
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano',
    );
  });

  it('answers 400 for gzip that is not gzip', async () => {
    await expectRefused(
      await collector.post('metrics', good, { headers: { 'content-encoding': 'gzip' } }),
      400,
      'bad_gzip',
      'body',
    );
  });

  it('answers 413 for a body over the wire limit', async () => {
    const huge = jsonGauge({
      points: [{ value: 1, timeMs: 1, attributes: { pad: 'x'.repeat(TEST_LIMITS.maxBodyBytes) } }],
    });
    await expectRefused(await collector.post('metrics', huge), 413, 'body_too_large', 'body');
  });

  it('answers 413 for a small gzip body that inflates past the limit (zip bomb)', async () => {
    const bomb = gzipSync(Buffer.alloc(TEST_LIMITS.maxDecompressedBytes + 1024, 0x20));
    expect(bomb.byteLength).toBeLessThan(TEST_LIMITS.maxBodyBytes);
    await expectRefused(
      await collector.post('metrics', bomb, { headers: { 'content-encoding': 'gzip' } }),
      413,
      'body_too_large',
    );
  });

  it('sizes nothing by the gzip trailer: a bomb declaring 100 bytes is 413, a body declaring 4 GiB is 400', async () => {
    // The trailer's ISIZE (last 4 bytes) only sizes zlib's output buffer; the limits still hold.
    const withDeclaredSize = (gzipped: Buffer, declared: number) => {
      const copy = Buffer.from(gzipped);
      copy.writeUInt32LE(declared, copy.byteLength - 4);
      return copy;
    };
    const bomb = withDeclaredSize(gzipSync(Buffer.alloc(TEST_LIMITS.maxDecompressedBytes + 1024, 0x20)), 100);
    await expectRefused(
      await collector.post('metrics', bomb, { headers: { 'content-encoding': 'gzip' } }),
      413,
      'body_too_large',
    );
    const liar = withDeclaredSize(gzipSync(good), 0xffffffff);
    await expectRefused(
      await collector.post('metrics', liar, { headers: { 'content-encoding': 'gzip' } }),
      400,
      'bad_gzip',
    );
  });

  it('answers 413 for more items than one request may carry', async () => {
    const points = Array.from({ length: TEST_LIMITS.maxItemsPerRequest + 1 }, (_, i) => ({
      value: i,
      timeMs: 1,
    }));
    const body = jsonGauge({ points });
    await expectRefused(await collector.post('metrics', body, { gzip: true }), 413, 'too_many_items');
  });

  it('answers 401 without a token, with a malformed token, and with a wrong token', async () => {
    await expectRefused(
      await collector.post('metrics', good, { token: '' }),
      401,
      'unauthenticated',
      'authorization',
    );
    await expectRefused(
      await collector.post('metrics', good, { token: 'not-a-token' }),
      401,
      'invalid_token',
    );
    const real = collector.tokenFor('node-a');
    const forged = `${real.slice(0, -4)}AAAA`;
    await expectRefused(await collector.post('metrics', good, { token: forged }), 401, 'invalid_token');
  });

  it('answers 401 for a revoked token at once', async () => {
    const token = collector.tokenFor('node-r');
    expect(
      (await collector.post('metrics', jsonGauge({ points: [{ value: 2, timeMs: 1 }] }), { token })).status,
    ).toBe(200);
    revokeTokens(collector.store, { nodeId: 'node-r', actor: 'test', nowMs: 0 });
    const response = await collector.post('metrics', good, { token });
    expect(response.status).toBe(401);
    expect(collector.batchCount()).toBe(2);
  });

  it('answers 403 when a reader token tries to ingest', async () => {
    await expectRefused(
      await collector.post('metrics', good, { token: collector.tokenFor('alice', 'reader') }),
      403,
      'forbidden_role',
    );
  });

  it('answers 403 when a node token sends data claiming to be another node', async () => {
    const asOther = jsonGauge({ nodeId: 'node-b', points: [{ value: 1, timeMs: 1 }] });
    await expectRefused(
      await collector.post('metrics', asOther, { token: collector.tokenFor('node-a') }),
      403,
      'wrong_node',
      'resourceMetrics[0].resource.attributes[perimeter.node.id]',
    );
  });

  it('answers 403 when a node reuses another node’s stream id', async () => {
    const stream = '11111111-2222-3333-4444-555555555555';
    expect((await collector.post('metrics', good, { stream, seq: 1 })).status).toBe(200);
    const response = await collector.post('metrics', jsonGauge({ points: [{ value: 1, timeMs: 1 }] }), {
      token: collector.tokenFor('node-b'),
      stream,
      seq: 2,
    });
    expect(response.status).toBe(403);
    expect(collector.batchCount()).toBe(2);
  });

  it('answers 415 for an unknown content type or encoding', async () => {
    await expectRefused(
      await collector.post('metrics', good, { contentType: 'text/plain' }),
      415,
      'unsupported_media_type',
      'content-type',
    );
    await expectRefused(
      await collector.post('metrics', good, { headers: { 'content-encoding': 'br' } }),
      415,
      'unsupported_encoding',
      'content-encoding',
    );
  });

  it('answers 400 for malformed sequencing headers', async () => {
    await expectRefused(
      await collector.post('metrics', good, { stream: 'x', seq: 1 }),
      400,
      'invalid_header',
      'x-perimeter-stream',
    );
    await expectRefused(
      await collector.post('metrics', good, { stream: 'aaaaaaaa-bbbb', seq: '-3' }),
      400,
      'invalid_header',
      'x-perimeter-seq',
    );
    await expectRefused(
      await collector.post('metrics', good, { stream: 'aaaaaaaa-bbbb' }),
      400,
      'invalid_header',
      'x-perimeter-seq',
    );
  });

  it('answers 405 for a GET on an ingest path and 404 elsewhere, never 500', async () => {
    const token = collector.tokenFor('node-a');
    const get = await collector.app.request('/v1/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
    expect((await collector.app.request('/nope')).status).toBe(404);
  });

  it('counts every refusal by reason on /metrics', async () => {
    await collector.post('metrics', good, { contentType: 'text/plain' });
    await collector.post('metrics', good, { token: '' });
    const exposition = await (await collector.app.request('/metrics')).text();
    expect(exposition).toContain('perimeter_ingest_rejects_total{reason="unsupported_media_type"} 1');
    expect(exposition).toContain('perimeter_ingest_rejects_total{reason="unauthenticated"} 1');
    expect(exposition).toContain('perimeter_ingest_batches_total{signal="metrics",result="rejected"} 2');
  });
});
