import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import type { StoredBatch } from './batch-reads.ts';

/**
 * store.forward on a real SQLite store in a temp directory (no process): a sink's cursor and
 * counts, its queue, and the dead letters' life (fail, fail again, retry requested, resolved).
 */
const T0 = Date.parse('2026-11-01T00:00:00Z');

describe('store.forward', () => {
  let collector: TestCollector;
  beforeEach(async () => {
    collector = createTestCollector();
    for (let seq = 1; seq <= 3; seq++) {
      collector.clock.nowMs = T0 + seq * 1000;
      const body = jsonGauge({ points: [{ value: seq, timeMs: collector.clock.nowMs }] });
      expect((await collector.post('metrics', body, { stream: 'stream-a', seq })).status).toBe(200);
    }
  });
  afterEach(() => collector.close());

  const batch = (id: number) => collector.store.forward.readBatch(id) as StoredBatch;

  it('moves a sink’s cursor forward only, adds its counts, and queues what is past the cursor', () => {
    const { forward } = collector.store;
    expect(forward.cursor('upstream')).toBe(0);
    expect(forward.queue('upstream')).toMatchObject({ batches: 3, oldestReceivedAtMs: T0 + 1000 });
    forward.commit('upstream', 2, { batches: 2, points: 2, failed: 0 }, T0 + 5000);
    forward.commit('upstream', 3, { batches: 1, points: 1 }, T0 + 6000);
    forward.moveCursorPast('upstream', 1, T0 + 7000);
    expect(forward.cursor('upstream')).toBe(3);
    expect(forward.cursor('archive')).toBe(0);
    expect(forward.queue('upstream')).toEqual({ batches: 0, bytes: 0, oldestReceivedAtMs: null });
    // A zero count writes no row; the others add up.
    expect(forward.counts()).toEqual(
      expect.arrayContaining([
        { sink: 'upstream', name: 'batches', count: 3 },
        { sink: 'upstream', name: 'points', count: 3 },
      ]),
    );
    expect(forward.counts().some((row) => row.name === 'failed')).toBe(false);
    expect(forward.droppedBatches('upstream')).toBe(0);
  });

  it('keeps one dead letter per sink and batch, counting attempts, until it is resolved', () => {
    const { forward } = collector.store;
    forward.deadLetter('upstream', batch(2), 500, 'upstream said 500', T0 + 10_000);
    forward.deadLetter('upstream', batch(2), 502, 'upstream said 502', T0 + 20_000);
    forward.deadLetter('archive', batch(3), null, 'disk full', T0 + 20_000);
    const [letter] = forward.listDeadLetters();
    expect(letter).toMatchObject({
      sink: 'upstream',
      batchId: 2,
      nodeId: 'node-a',
      signal: 'metrics',
      httpStatus: 502,
      reason: 'upstream said 502',
      firstFailedAtMs: T0 + 10_000,
      lastFailedAtMs: T0 + 20_000,
      attempts: 2,
      retryRequestedAtMs: null,
    });
    expect(forward.firstOpenDeadLetterBatch()).toBe(2);
    expect(forward.openDeadLettersBySink()).toEqual(
      expect.arrayContaining([
        { sink: 'upstream', count: 1 },
        { sink: 'archive', count: 1 },
      ]),
    );

    // A retry is asked for one letter; only that sink's forwarder sees it.
    expect(forward.requestRetry({ id: letter?.id as number }, T0 + 30_000)).toBe(1);
    expect(forward.retryRequested('upstream').map((l) => l.batchId)).toEqual([2]);
    expect(forward.retryRequested('archive')).toEqual([]);
    forward.failDeadLetterAgain(letter?.id as number, 503, 'still down', T0 + 40_000);
    expect(forward.listDeadLetters()[0]).toMatchObject({
      attempts: 3,
      httpStatus: 503,
      reason: 'still down',
    });

    forward.resolveDeadLetter(letter?.id as number, T0 + 50_000);
    expect(forward.listDeadLetters().map((l) => l.sink)).toEqual(['archive']);
    expect(forward.listDeadLetters({ includeResolved: true })).toHaveLength(2);
    expect(forward.firstOpenDeadLetterBatch()).toBe(3);
    // A resolved letter is not retried again; 'all' reaches only the open ones.
    expect(forward.requestRetry({ id: letter?.id as number }, T0 + 60_000)).toBe(0);
    expect(forward.requestRetry('all', T0 + 60_000)).toBe(1);
  });

  it('cuts a long failure reason to 2000 characters', () => {
    collector.store.forward.deadLetter('upstream', batch(1), 400, 'x'.repeat(5000), T0);
    expect(collector.store.forward.listDeadLetters()[0]?.reason).toHaveLength(2000);
  });
});
