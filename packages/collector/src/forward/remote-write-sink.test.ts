import { type CollectorConfig, collectorConfigSchema } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoopbackUpstream, startLoopbackUpstream } from '../test-support/loopback-upstream.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { createSink } from './forward-service.ts';
import { decodeWriteRequest } from './prompb.ts';

/**
 * The remote-write sink on a real store against a real receiver on loopback: series named as the
 * collector's /metrics names them, samples in time order, snappy protobuf, and the remote-write
 * retry rule (any 5xx retried, other 4xx parked).
 */
const T0 = Date.parse('2026-11-23T06:00:00Z');

function sinkConfig(endpoint: string): CollectorConfig['forward'][number] {
  const config = collectorConfigSchema.parse({
    forward: [{ type: 'prometheus-remote-write', endpoint, timeout: '2s' }],
  });
  return config.forward[0] as CollectorConfig['forward'][number];
}

describe('remote-write sink', () => {
  let collector: TestCollector;
  let upstream: LoopbackUpstream;
  beforeEach(async () => {
    collector = createTestCollector();
    upstream = await startLoopbackUpstream();
    // Two batches, the later one first in time for the second sensor: the sink must sort.
    const post = async (seq: number, points: Array<{ value: number; timeMs: number; sensor: string }>) => {
      const body = jsonGauge({
        nodeId: 'node-a',
        points: points.map((p) => ({ value: p.value, timeMs: p.timeMs, attributes: { 'hw.id': p.sensor } })),
      });
      expect((await collector.post('metrics', body, { stream: 'stream-a', seq })).status).toBe(200);
    };
    await post(1, [{ value: 41, timeMs: T0 + 20_000, sensor: 'cpu0' }]);
    await post(2, [
      { value: 42, timeMs: T0 + 10_000, sensor: 'cpu0' },
      { value: 50, timeMs: T0 + 10_000, sensor: 'gpu0' },
    ]);
  });
  afterEach(async () => {
    collector.close();
    await upstream.close();
  });
  const batches = () => collector.store.forward.readAfter(0, 100, 1 << 30);

  it('writes each series once, named and labelled as /metrics names it, samples in time order', async () => {
    const sink = createSink('prom', sinkConfig(`${upstream.url}/api/v1/write`), collector.store, () => T0);
    expect(await sink.send(batches())).toEqual({ kind: 'ok', rejectedItems: 0 });
    await sink.close();
    const [request] = upstream.received;
    expect(request?.path).toBe('/api/v1/write');
    expect(request?.headers['content-encoding']).toBe('snappy');
    expect(request?.headers['x-prometheus-remote-write-version']).toBe('0.1.0');
    const series = decodeWriteRequest(request?.raw ?? Buffer.alloc(0));
    expect(series).toEqual([
      {
        labels: [
          { name: '__name__', value: 'hw_temperature_celsius' },
          { name: 'hw_id', value: 'cpu0' },
          { name: 'node', value: 'node-a' },
        ],
        samples: [
          { value: 42, timestamp: T0 + 10_000 },
          { value: 41, timestamp: T0 + 20_000 },
        ],
      },
      {
        labels: [
          { name: '__name__', value: 'hw_temperature_celsius' },
          { name: 'hw_id', value: 'gpu0' },
          { name: 'node', value: 'node-a' },
        ],
        samples: [{ value: 50, timestamp: T0 + 10_000 }],
      },
    ]);
  });

  it('retries any 5xx (remote-write spec) and parks a 400', async () => {
    upstream.script({ status: 500, body: 'tsdb busy' }, { status: 400, body: 'out of order sample' });
    const sink = createSink('prom', sinkConfig(upstream.url), collector.store, () => T0);
    expect(await sink.send(batches())).toEqual({
      kind: 'retryable',
      reason: 'HTTP 500: tsdb busy',
      status: 500,
    });
    expect(await sink.send(batches())).toEqual({
      kind: 'rejected',
      reason: 'HTTP 400: out of order sample',
      status: 400,
    });
    await sink.close();
  });

  it('carries only metrics batches with points', () => {
    const sink = createSink('prom', sinkConfig(upstream.url), collector.store, () => T0);
    const [metrics] = batches();
    expect(metrics && sink.accepts(metrics)).toBe(true);
    expect(metrics && sink.accepts({ ...metrics, signal: 'logs' })).toBe(false);
    expect(metrics && sink.accepts({ ...metrics, pointCount: 0 })).toBe(false);
  });
});
