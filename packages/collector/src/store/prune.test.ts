import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRetention } from '../evidence/retention.ts';
import { walkStoredChain } from '../replay/store-chain-walk.ts';
import { createTestCollector, postHourlyGauges, type TestCollector } from '../test-support/test-collector.ts';

/**
 * store.prune through the retention policy, on a real SQLite store in a temp directory (no
 * process spawned): the pruned batches are gone, their range is recorded once with the policy,
 * and the chain walk steps over the hole as a verified pruned range.
 */
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

describe('store.prune (through the retention policy)', () => {
  let collector: TestCollector;
  beforeEach(async () => {
    collector = createTestCollector();
    await postHourlyGauges(collector, 10, T0);
  });
  afterEach(() => collector.close());

  const verdict = () => {
    const chain = collector.store.chain;
    return walkStoredChain(chain, {
      nodeId: 'node-a',
      prunedRows: chain.prunedRanges('node-a'),
      head: chain.nodeHead('node-a') ?? null,
      placeOrphans: true,
    });
  };

  it('deletes the batches past metric detail, records one range and the chain verifies across it', () => {
    expect(verdict()).toMatchObject({ ok: true, checked: 10, pruned: [] });
    const retention = createRetention(collector.store, { events: 0, metricDetail: 5 * HOUR, summaries: 0 });
    const result = retention.enforce(T0 + 10 * HOUR);
    // Cut on whole hours: batches that arrived before hour 5 go.
    expect(result).toMatchObject({ metricBatches: 5, logBatches: 0 });
    expect(collector.store.batches.firstId()).toBe(6);
    const after = verdict();
    expect(after).toMatchObject({ ok: true, checked: 5 });
    expect(after.pruned).toEqual([
      expect.objectContaining({
        fromBatchId: 1,
        toBatchId: 5,
        batchCount: 5,
        reason: 'retention',
        linkVerified: true,
      }),
    ]);
    // A second run with nothing due changes nothing; a later one extends the same range.
    expect(retention.enforce(T0 + 10 * HOUR)).toMatchObject({ metricBatches: 0 });
    expect(retention.enforce(T0 + 12 * HOUR)).toMatchObject({ metricBatches: 2 });
    expect(verdict().pruned).toEqual([
      expect.objectContaining({ fromBatchId: 1, toBatchId: 7, batchCount: 7, linkVerified: true }),
    ]);
  });

  it('explains a batch pruned from the middle of a chain by a range linking its neighbours', () => {
    collector.store.prune({
      policy: 'retention',
      setting: 'test',
      batches: collector.store.batches.refsUpTo(3).filter((batch) => batch.id === 3),
      keepHourlySummaries: false,
      nowMs: T0,
    });
    const after = verdict();
    expect(after).toMatchObject({ ok: true, checked: 9 });
    expect(after.pruned).toEqual([
      expect.objectContaining({ fromBatchId: 3, toBatchId: 3, batchCount: 1, linkVerified: true }),
    ]);
  });
});
