import { gunzipSync } from 'node:zlib';
import { type CollectorConfig, collectorConfigSchema } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpTypes } from '../otlp/otlp-proto.ts';
import type { ForwardStore } from '../store/forward-rows.ts';
import { type LoopbackUpstream, startLoopbackUpstream } from '../test-support/loopback-upstream.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { startTestForwarder, storeNodeABatches, T0, waitFor } from './forward-fixture.ts';
import type { ForwardEvents } from './forwarder.ts';

/**
 * The forwarder on a real store (SQLite in a temp dir) with the real OTLP sink against a real
 * upstream on loopback, in-process: the cursor moves only after a 2xx, retries wait the shared
 * backoff with Retry-After as a floor (the sleep is injected, so nothing waits for real), and a
 * refused multi-batch request is split so only the batch at fault is parked.
 */

type Attr = { key: string; value: { intValue?: number | string } };
function seqsIn(body: Buffer): number[] {
  const decoded = OtlpTypes.metricsRequest.toObject(OtlpTypes.metricsRequest.decode(body), {
    longs: Number,
  }) as {
    resourceMetrics: Array<{ resource: { attributes: Attr[] } }>;
  };
  return decoded.resourceMetrics.map((r) =>
    Number(r.resource.attributes.find((a) => a.key === 'perimeter.batch.seq')?.value.intValue),
  );
}

describe('forwarder', () => {
  let collector: TestCollector;
  let upstream: LoopbackUpstream;
  let store: ForwardStore;
  let config: CollectorConfig['forward'][number];
  const seen = { sent: 0, retried: [] as string[], deadLettered: 0, partial: 0 };
  const events: ForwardEvents = {
    sent: (_sink, batches) => {
      seen.sent += batches;
    },
    retried: (_sink, reason) => {
      seen.retried.push(reason);
    },
    deadLettered: (_sink, batches) => {
      seen.deadLettered += batches;
    },
    partialRejected: (_sink, items) => {
      seen.partial += items;
    },
  };

  beforeEach(async () => {
    Object.assign(seen, { sent: 0, retried: [], deadLettered: 0, partial: 0 });
    collector = createTestCollector();
    upstream = await startLoopbackUpstream();
    store = collector.store.forward;
    config = collectorConfigSchema.parse({
      forward: [
        {
          type: 'otlp',
          name: 'up',
          endpoint: upstream.url,
          maxBatchesPerRequest: 3,
          concurrency: 1,
          retry: { initialInterval: '100ms', maxInterval: '1s', randomizationFactor: 0 },
        },
      ],
    }).forward[0] as CollectorConfig['forward'][number];
    await storeNodeABatches(collector, 3);
  });
  afterEach(async () => {
    collector.close();
    await upstream.close();
  });

  const start = (sleep: (ms: number) => void) => startTestForwarder({ collector, config, events, sleep });
  const lastId = () => store.readAfter(0, 100, 1 << 30).at(-1)?.id ?? -1;

  it('retries 503 and 429, waiting at least Retry-After (seconds or HTTP-date), and moves the cursor only after the 2xx', async () => {
    upstream.script(
      { status: 503, headers: { 'retry-after': '3' } },
      { status: 429, headers: { 'retry-after': 'Mon, 23 Nov 2026 06:00:02 GMT' } },
    );
    const waits: Array<{ ms: number; cursor: number }> = [];
    const forwarder = start((ms) => waits.push({ ms, cursor: store.cursor('up') }));
    await waitFor(() => store.cursor('up') === lastId(), 'the cursor at the last batch');
    await forwarder.stop();
    expect(waits).toEqual([
      { ms: 3_000, cursor: 0 },
      { ms: 2_000, cursor: 0 },
    ]);
    expect(seen.retried).toEqual(['503', '429']);
    expect(upstream.received.map((r) => seqsIn(r.body))).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(seen.sent).toBe(3);
  });

  it('bounds a request by its batches inflated, not by their compressed size at rest', async () => {
    for (let seq = 4; seq <= 6; seq++) {
      const points = Array.from({ length: 100 }, (_, i) => ({
        value: i,
        timeMs: T0 + seq * 10_000,
        attributes: { 'hw.id': `sensor-${i}` },
      }));
      const body = jsonGauge({ nodeId: 'node-a', points });
      expect((await collector.post('metrics', body, { stream: 'stream-a', seq })).status).toBe(200);
    }
    const [large] = store.readAfter(3, 1, 1 << 30);
    const inflated = gunzipSync(large?.payload as Uint8Array).byteLength;
    // All three large batches fit compressed; inflated, only one does.
    expect((large?.payload.byteLength ?? 0) * 3).toBeLessThan(inflated);
    config = { ...config, maxBytesPerRequest: inflated + 1 };
    const forwarder = start(() => {});
    await waitFor(() => store.cursor('up') === lastId(), 'the cursor at the last batch');
    await forwarder.stop();
    expect(upstream.received.map((r) => seqsIn(r.body))).toEqual([[1, 2, 3], [4], [5], [6]]);
  });

  it('grows the wait by the backoff when the upstream gives no Retry-After', async () => {
    upstream.script({ status: 502 }, { status: 504 }, { status: 503 });
    const waits: number[] = [];
    const forwarder = start((ms) => waits.push(ms));
    await waitFor(() => store.cursor('up') === lastId(), 'the cursor at the last batch');
    await forwarder.stop();
    expect(waits).toEqual([100, 150, 225]);
  });

  it('parks only the batch the upstream refuses, and delivers the others in order', async () => {
    upstream.answerWith((request) =>
      seqsIn(request.body).includes(2) ? { status: 400, body: 'bad point' } : { status: 200 },
    );
    const forwarder = start(() => {});
    await waitFor(() => store.cursor('up') === lastId(), 'the cursor at the last batch');
    await forwarder.stop();
    expect(upstream.received.map((r) => seqsIn(r.body))).toEqual([[1, 2, 3], [1], [2], [3]]);
    const letters = collector.store.forward.listDeadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ sink: 'up', httpStatus: 400, reason: 'HTTP 400: bad point' });
    expect(seen).toMatchObject({ sent: 2, deadLettered: 1 });
  });

  it('counts a partial success as delivered, never retried', async () => {
    upstream.script({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ partialSuccess: { rejectedDataPoints: '1', errorMessage: 'stale' } }),
    });
    const forwarder = start(() => {});
    await waitFor(() => store.cursor('up') === lastId(), 'the cursor at the last batch');
    await forwarder.stop();
    expect(upstream.received).toHaveLength(1);
    expect(seen).toMatchObject({ sent: 3, partial: 1, retried: [] });
  });
});
