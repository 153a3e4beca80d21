import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { replayFromStore } from './replay.ts';
import type { TimelineRow } from './types.ts';

/**
 * build-timeline.ts over what a real SQLite store in a temp directory holds (no process spawned):
 * a node that reports every minute, skips one sequence number, goes quiet for half an hour, comes
 * back and goes quiet again; its oldest batches pruned by retention. The timeline names each of
 * those in time order, with the chain still holding across the pruned range.
 */
const MIN = 60_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const MINUTES = [0, 1, 2, 3, 5, 6, 7, 8, 9, 40, 41, 42, 43, 44];

describe('the replay timeline from a real store', () => {
  let collector: TestCollector;
  beforeEach(async () => {
    collector = createTestCollector();
    for (const [index, minute] of MINUTES.entries()) {
      collector.clock.nowMs = T0 + minute * MIN;
      const body = jsonGauge({
        nodeId: 'node-a',
        points: [{ value: minute, timeMs: collector.clock.nowMs }],
      });
      // Minute 4's batch (seq 5) is lost on the way; the half-hour silence sends nothing, so no seq is missing.
      const seq = index + 1 + (minute > 4 ? 1 : 0);
      const response = await collector.post('metrics', body, { stream: 'stream-a', seq });
      expect(response.status).toBe(200);
    }
    collector.store.prune({
      policy: 'retention',
      setting: 'test',
      batches: collector.store.batches.refsUpTo(2),
      keepHourlySummaries: false,
      nowMs: T0 + 60 * MIN,
    });
  });
  afterEach(() => collector.close());

  const timeline = () => {
    const outcome = replayFromStore(collector.store, {
      nodeId: 'node-a',
      window: { fromMs: T0, toMs: T0 + 60 * MIN },
      filters: { eventsOnly: false, events: [], metrics: [] },
      nowMs: () => T0 + 60 * MIN,
    });
    if (outcome.kind !== 'ok') throw new Error('node-a unknown');
    return outcome.timeline;
  };
  const at = (row: TimelineRow) => (row.timeMs - T0) / MIN;

  it('orders the pruned range, the sequence gap, both silences and last-seen by time', () => {
    const result = timeline();
    expect(result.integrity).toMatchObject({ ok: true, checked: MINUTES.length - 2 });
    const marks = result.rows.filter((row) => row.kind !== 'metric').map((row) => [row.kind, at(row)]);
    expect(marks).toEqual([
      ['pruned', 0],
      ['gap', 3],
      ['silence', 9],
      ['last-seen', 44],
      ['silence', 44],
    ]);
    const times = result.rows.map((row) => row.timeMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('describes each: the batches pruned, the seq missing, the silences and whether one goes on', () => {
    const rows = timeline().rows;
    expect(rows.find((row) => row.kind === 'pruned')).toMatchObject({
      fromBatchId: 1,
      toBatchId: 2,
      batchCount: 2,
      reason: 'retention',
      linkVerified: true,
    });
    expect(rows.find((row) => row.kind === 'gap')).toMatchObject({
      streamId: 'stream-a',
      fromSeq: 5,
      toSeq: 5,
      missing: 1,
      endMs: T0 + 5 * MIN,
    });
    const silences = rows.filter((row) => row.kind === 'silence');
    expect(silences).toMatchObject([
      { endMs: T0 + 40 * MIN, durationMs: 31 * MIN, ongoing: false },
      { endMs: T0 + 60 * MIN, durationMs: 16 * MIN, ongoing: true },
    ]);
  });
});
