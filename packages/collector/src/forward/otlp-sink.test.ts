import { type CollectorConfig, collectorConfigSchema } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpTypes } from '../otlp/otlp-proto.ts';
import { type LoopbackUpstream, startLoopbackUpstream } from '../test-support/loopback-upstream.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { createSink } from './forward-service.ts';
import type { StoredBatch } from './types.ts';

/**
 * The OTLP sink on a real store (SQLite in a temp dir) against a real upstream on loopback: the
 * request it makes, and what each answer becomes for the forwarder.
 */
const T0 = Date.parse('2026-11-23T06:00:00Z');

function sinkConfig(endpoint: string, extra: object = {}): CollectorConfig['forward'][number] {
  const config = collectorConfigSchema.parse({
    forward: [{ type: 'otlp', endpoint, timeout: '2s', ...extra }],
  });
  return config.forward[0] as CollectorConfig['forward'][number];
}

type Attr = { key: string; value: { stringValue?: string; intValue?: number | string } };
const resourceSeqs = (resources: Array<{ resource: { attributes: Attr[] } }>) =>
  resources.map((r) =>
    Number(r.resource.attributes.find((a) => a.key === 'perimeter.batch.seq')?.value.intValue),
  );

describe('OTLP sink', () => {
  let collector: TestCollector;
  let upstream: LoopbackUpstream;
  beforeEach(async () => {
    collector = createTestCollector();
    upstream = await startLoopbackUpstream();
    for (let seq = 1; seq <= 3; seq++) {
      const body = jsonGauge({ nodeId: 'node-a', points: [{ value: 40 + seq, timeMs: T0 + seq * 10_000 }] });
      const response = await collector.post('metrics', body, { stream: 'stream-a', seq });
      expect(response.status).toBe(200);
    }
  });
  afterEach(async () => {
    collector.close();
    await upstream.close();
  });
  const batches = (): StoredBatch[] => collector.store.forward.readAfter(0, 100, 1 << 30);
  const sinkFor = (extra: object = {}) =>
    createSink('up', sinkConfig(upstream.url, extra), collector.store, () => T0);

  it('sends the batches as ONE gzipped protobuf request to /v1/metrics, each resource tagged with its seq', async () => {
    const sink = sinkFor();
    expect(await sink.send(batches())).toEqual({ kind: 'ok', rejectedItems: 0 });
    await sink.close();
    expect(upstream.received).toHaveLength(1);
    const [request] = upstream.received;
    expect(request?.path).toBe('/v1/metrics');
    expect(request?.headers['content-type']).toBe('application/x-protobuf');
    expect(request?.headers['content-encoding']).toBe('gzip');
    const decoded = OtlpTypes.metricsRequest.toObject(
      OtlpTypes.metricsRequest.decode(request?.body ?? Buffer.alloc(0)),
      {
        longs: Number,
      },
    ) as { resourceMetrics: Array<{ resource: { attributes: Attr[] } }> };
    expect(resourceSeqs(decoded.resourceMetrics)).toEqual([1, 2, 3]);
  });

  it('sends OTLP/JSON when configured, one merged request object', async () => {
    const sink = sinkFor({ encoding: 'json', compression: 'none' });
    await sink.send(batches());
    await sink.close();
    const request = upstream.received[0];
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['content-encoding']).toBeUndefined();
    const body = JSON.parse(request?.body.toString('utf8') ?? '') as {
      resourceMetrics: Array<{ resource: { attributes: Attr[] } }>;
    };
    expect(resourceSeqs(body.resourceMetrics)).toEqual([1, 2, 3]);
  });

  it('reports the upstream partial success, retries 503 with its Retry-After, parks 400 and 401', async () => {
    upstream.script(
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ partialSuccess: { rejectedDataPoints: '2', errorMessage: 'NaN value' } }),
      },
      { status: 503, headers: { 'retry-after': '3' }, body: 'busy' },
      { status: 400, body: 'bad data' },
      { status: 401 },
    );
    const sink = sinkFor();
    expect(await sink.send(batches())).toEqual({ kind: 'ok', rejectedItems: 2, message: 'NaN value' });
    expect(await sink.send(batches())).toEqual({
      kind: 'retryable',
      reason: 'HTTP 503: busy',
      status: 503,
      retryAfterMs: 3_000,
    });
    expect(await sink.send(batches())).toEqual({
      kind: 'rejected',
      reason: 'HTTP 400: bad data',
      status: 400,
    });
    expect(await sink.send(batches())).toMatchObject({ kind: 'rejected', status: 401 });
    await sink.close();
  });

  it('turns an upstream that is not listening into a retryable network outcome', async () => {
    await upstream.close();
    const sink = sinkFor();
    const outcome = await sink.send(batches());
    await sink.close();
    expect(outcome.kind).toBe('retryable');
    expect(outcome.kind === 'retryable' && outcome.reason).toMatch(/^network: .*ECONNREFUSED/);
    upstream = await startLoopbackUpstream(); // for afterEach
  });
});
