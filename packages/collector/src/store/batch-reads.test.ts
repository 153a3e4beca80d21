import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonEvents } from '../test-support/loopback-collector.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { decodeSampleBlock } from './sample-block.ts';

/**
 * store.batches and store.samples on a real SQLite store in a temp directory (no process): three
 * metrics batches and one logs batch, a minute apart, read back as the forwarder, the quota and
 * the alert window read them.
 */
const MIN = 60_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

describe('store.batches and store.samples', () => {
  let collector: TestCollector;
  const bodies: string[] = [];
  beforeEach(async () => {
    collector = createTestCollector();
    bodies.length = 0;
    for (let minute = 0; minute < 4; minute++) {
      collector.clock.nowMs = T0 + minute * MIN;
      const body =
        minute < 3
          ? jsonGauge({ points: [{ value: minute, timeMs: collector.clock.nowMs }] })
          : jsonEvents({
              nodeId: 'node-a',
              events: [{ name: 'auth.login', timeMs: collector.clock.nowMs, attributes: {} }],
            });
      bodies.push(body);
      const response = await collector.post(minute < 3 ? 'metrics' : 'logs', body, {
        stream: 'stream-a',
        seq: minute + 1,
      });
      expect(response.status).toBe(200);
    }
  });
  afterEach(() => collector.close());

  it('gives each batch back as it arrived: its bytes, stream, seq, signal and counts', () => {
    const { batches } = collector.store;
    expect([batches.firstId(), batches.lastId()]).toEqual([1, 4]);
    const first = batches.byId(1);
    expect(first).toMatchObject({
      nodeId: 'node-a',
      streamId: 'stream-a',
      seq: 1,
      signal: 'metrics',
      receivedAtMs: T0,
      pointCount: 1,
      eventCount: 0,
    });
    expect(Buffer.from(first?.payload ?? []).toString()).toBe(bodies[0]);
    expect(batches.byId(4)).toMatchObject({ signal: 'logs', pointCount: 0, eventCount: 1 });
    expect(batches.byId(5)).toBeUndefined();
  });

  it('reads after an id: at least one batch, then only what fits in the byte budget', () => {
    const { batches } = collector.store;
    expect(batches.after(0, 10, 1).map((b) => b.id)).toEqual([1]);
    expect(batches.after(1, 2, Number.MAX_SAFE_INTEGER).map((b) => b.id)).toEqual([2, 3]);
    expect(batches.after(4, 10, Number.MAX_SAFE_INTEGER)).toEqual([]);
    const queue = batches.queueAfter(2);
    expect(queue).toEqual({
      batches: 2,
      bytes: Buffer.byteLength(bodies[2] as string) + Buffer.byteLength(bodies[3] as string),
      oldestReceivedAtMs: T0 + 2 * MIN,
    });
  });

  it('finds batches by arrival time and by signal cutoffs, for retention and the quota', () => {
    const { batches } = collector.store;
    expect(batches.firstIdAtOrAfter(T0 + 90_000)).toBe(3);
    expect(batches.lastIdBefore(T0 + 90_000)).toBe(2);
    expect(batches.firstIdAtOrAfter(T0 + 10 * MIN)).toBeUndefined();
    expect(batches.countBetween(1, 3)).toBe(2);
    expect(batches.refsUpTo(2)).toEqual([
      { id: 1, nodeId: 'node-a', signal: 'metrics', receivedAtMs: T0 },
      { id: 2, nodeId: 'node-a', signal: 'metrics', receivedAtMs: T0 + MIN },
    ]);
    // Metrics older than minute 2 and logs older than minute 10: batches 1, 2 and the logs batch 4.
    const refs = batches.refsArrivedBefore(
      { afterId: 0, beforeId: 10, limit: 10 },
      { metricsBefore: T0 + 2 * MIN, logsBefore: T0 + 10 * MIN },
    );
    expect(refs.map((ref) => ref.id)).toEqual([1, 2, 4]);
  });

  it('gives a metrics batch its sample block, a logs batch none, and the blocks after an id in order', () => {
    const { samples } = collector.store;
    const block = samples.blockOfBatch(2);
    expect(block && decodeSampleBlock(block).map(([, tsMs, value]) => [tsMs, value])).toEqual([
      [T0 + MIN, 1],
    ]);
    expect(samples.blockOfBatch(4)).toBeUndefined();
    expect([...samples.blocksAfter(1)].map((b) => b.batchId)).toEqual([2, 3]);
  });
});
