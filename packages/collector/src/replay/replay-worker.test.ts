import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { readReplayVerified } from './replay.ts';
import { createReplayReader } from './replay-worker.ts';

/**
 * The replay the API and the console get from the worker thread is the replay the CLI computes on
 * the store's own connection: same events, samples, gaps and verdict, after the structured clone.
 * While the worker verifies, the main thread keeps serving (here: a timer keeps ticking).
 */
let collector: TestCollector;
beforeAll(async () => {
  collector = createTestCollector();
  for (let seq = 1; seq <= 400; seq++) {
    if (seq === 200) continue; // a sequence gap
    const body = jsonGauge({
      nodeId: 'node-a',
      points: [{ value: seq % 97, timeMs: collector.clock.nowMs - (400 - seq) * 10_000 }],
    });
    expect(
      (await collector.post('metrics', body, { stream: '7c9e6679-7425-40de-944b-e07fc1f90ae7', seq })).status,
    ).toBe(200);
  }
});
afterAll(() => collector.close());

describe('replay on a worker thread', () => {
  it('gives exactly the synchronous replay, and the main thread keeps running meanwhile', async () => {
    const options = {
      nodeId: 'node-a',
      window: { fromMs: collector.clock.nowMs - 3_600_000, toMs: collector.clock.nowMs + 1 },
      nowMs: () => collector.clock.nowMs,
    };
    const reader = createReplayReader(collector.store.dataDir);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 1);
    const fromWorker = await reader.read(options);
    clearInterval(timer);
    expect(fromWorker).toEqual(readReplayVerified(collector.store, options));
    if (fromWorker.kind !== 'ok') throw new Error('unknown node');
    expect(fromWorker.input.integrity).toMatchObject({ ok: true });
    expect(fromWorker.input.seqGaps).toHaveLength(1);
    expect(ticks).toBeGreaterThan(0);
    expect(await reader.read({ ...options, nodeId: 'nobody' })).toEqual({ kind: 'unknown-node' });
    await reader.close();
  });
});
