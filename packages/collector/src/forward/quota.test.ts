import { GENESIS_HASH } from '@perimeter/schema';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { registerForwardMetrics } from './forward-metrics.ts';
import { createQuota } from './quota.ts';

/**
 * Retention and the hard quota on a real SQLite store: forwarded data is pruned first and only
 * past retention; at the quota the oldest unforwarded batches are dropped, counted, the cursors
 * move past them and ingest goes on; every pruned range keeps the hash chain checkable.
 */
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const SINKS = ['archive', 'upstream'];

interface BatchRow {
  id: number;
  node_id: string;
  seq: number;
  prev_hash: string;
  hash: string;
}
interface RangeRow {
  node_id: string;
  from_batch_id: number;
  to_batch_id: number;
  batch_count: number;
  first_prev_hash: string;
  last_hash: string;
  reason: string;
}

describe('quota and pruning', () => {
  let collector: TestCollector;
  beforeEach(() => {
    collector = createTestCollector();
  });
  afterEach(() => collector.close());

  /** `days` days of one batch per node per day (arrival time = the day), nodes interleaved. */
  const ingestDays = async (days: number, nodes = ['node-a', 'node-b'], points = 1) => {
    for (let day = 0; day < days; day++) {
      collector.clock.nowMs = T0 + day * DAY;
      for (const node of nodes) {
        const response = await collector.post(
          'metrics',
          jsonGauge({
            nodeId: node,
            points: Array.from({ length: points }, (_, i) => ({
              value: day + i,
              timeMs: collector.clock.nowMs,
              attributes: { 'hw.id': `s${i}` },
            })),
          }),
          { token: collector.tokenFor(node), stream: `stream-${node}`, seq: day + 1 },
        );
        expect(response.status).toBe(200);
      }
    }
  };
  const rows = <T>(sql: string, ...params: unknown[]) =>
    collector
      .sqlite()
      .prepare(sql)
      .all(...params) as T[];
  const batchIds = () => rows<{ id: number }>('SELECT id FROM batches ORDER BY id').map((r) => r.id);

  /** The first surviving batch of each node links to the last pruned range; ranges link back to genesis. */
  const expectChainExplained = () => {
    for (const node of ['node-a', 'node-b']) {
      const ranges = rows<RangeRow>(
        'SELECT * FROM pruned_ranges WHERE node_id = ? ORDER BY from_batch_id',
        node,
      );
      const first = rows<BatchRow>('SELECT * FROM batches WHERE node_id = ? ORDER BY id LIMIT 1', node)[0];
      if (ranges.length === 0) {
        expect(first?.prev_hash).toBe(GENESIS_HASH);
        continue;
      }
      expect(ranges[0]?.first_prev_hash).toBe(GENESIS_HASH);
      for (let i = 1; i < ranges.length; i++) {
        expect(ranges[i]?.first_prev_hash).toBe(ranges[i - 1]?.last_hash);
      }
      if (first) {
        expect(first.prev_hash).toBe(ranges.at(-1)?.last_hash);
      }
    }
  };

  it('prunes by retention only what every sink has forwarded past and what is older than the retention', async () => {
    await ingestDays(10); // ids 1..20, node-a odd, node-b even, batch 2d+1/2d+2 on day d
    const store = collector.store.forward;
    const now = T0 + 10 * DAY;
    const quota = createQuota(
      collector.store,
      collector.dataDir,
      { retentionMs: 3 * DAY, minFreeBytes: 0 },
      () => {
        throw new Error('nothing may be dropped');
      },
    );
    // No cursor yet for either sink: nothing was forwarded, nothing is pruned, however old.
    expect(quota.enforce(SINKS, now)).toEqual({ pruned: 0, dropped: 0, overQuota: false });
    // One sink far ahead, the other at batch 6: the slower sink bounds pruning.
    store.commit('archive', 20, {}, now);
    store.commit('upstream', 6, {}, now);
    expect(quota.enforce(SINKS, now).pruned).toBe(6);
    expect(batchIds()[0]).toBe(7);
    expectChainExplained();
    // Both sinks past everything: retention now bounds it (day 7 = now − 3 days is kept: ids 15..20).
    store.commit('upstream', 20, {}, now);
    expect(quota.enforce(SINKS, now).pruned).toBe(8);
    expect(batchIds()).toEqual([15, 16, 17, 18, 19, 20]);
    expectChainExplained();
    expect(rows<RangeRow>('SELECT DISTINCT reason FROM pruned_ranges')).toEqual([{ reason: 'retention' }]);
  });

  it('keeps an open dead letter (and everything after it) out of retention pruning', async () => {
    await ingestDays(6);
    const store = collector.store.forward;
    const now = T0 + 30 * DAY;
    for (const sink of SINKS) {
      store.commit(sink, 12, {}, now);
    }
    store.deadLetter('upstream', store.readBatch(5) as never, 400, 'bad data', now);
    const quota = createQuota(
      collector.store,
      collector.dataDir,
      { retentionMs: DAY, minFreeBytes: 0 },
      () => {},
    );
    expect(quota.enforce(SINKS, now).pruned).toBe(4);
    expect(batchIds()[0]).toBe(5);
    // Resolved (re-sent after a fix): now it may go.
    const letter = rows<{ id: number }>('SELECT id FROM forward_dead_letters')[0] as { id: number };
    store.resolveDeadLetter(letter.id, now);
    expect(quota.enforce(SINKS, now).pruned).toBe(8);
    expect(batchIds()).toEqual([]);
    expectChainExplained();
  });

  it('at the hard quota drops the oldest unforwarded batches, counts them per sink, moves the cursors past them, and ingest goes on', async () => {
    await ingestDays(40, ['node-a', 'node-b'], 200);
    const store = collector.store.forward;
    const now = T0 + 40 * DAY;
    // The archive forwarded the first 30 batches, the upstream none (it has been down all along).
    store.commit('archive', 30, {}, now);
    const registry = new Registry();
    const metrics = registerForwardMetrics(registry, collector.store, SINKS, () => now);
    const drops: Array<[string, number]> = [];
    const used = createQuota(
      collector.store,
      collector.dataDir,
      { retentionMs: 0, minFreeBytes: 0 },
      () => {},
    ).usedBytes();
    const maxBytes = Math.floor(used * 0.6);
    const quota = createQuota(
      collector.store,
      collector.dataDir,
      { retentionMs: 0, maxBytes, minFreeBytes: 0 },
      (sink, batches) => {
        drops.push([sink, batches]);
        metrics.dropped(sink, batches);
      },
    );
    const result = quota.enforce(SINKS, now);
    expect(result.overQuota).toBe(false);
    expect(quota.usedBytes()).toBeLessThanOrEqual(maxBytes);
    expect(result.dropped).toBeGreaterThan(0);
    const firstKept = batchIds()[0] as number;
    expect(firstKept).toBe(result.dropped + 1); // the oldest went, a prefix
    const droppedForUpstream = firstKept - 1;
    const droppedForArchive = Math.max(0, firstKept - 1 - 30);
    expect(Object.fromEntries(drops.reduce((m, [s, n]) => m.set(s, (m.get(s) ?? 0) + n), new Map()))).toEqual(
      {
        upstream: droppedForUpstream,
        ...(droppedForArchive > 0 ? { archive: droppedForArchive } : {}),
      },
    );
    const exposition = await registry.metrics();
    expect(exposition).toContain(`perimeter_forward_dropped_total{sink="upstream"} ${droppedForUpstream}`);
    // The drop is on record, and both cursors now point past it.
    const recorded = rows<{
      sink: string;
      from_batch_id: number;
      to_batch_id: number;
      batches: number;
      reason: string;
    }>(
      'SELECT sink, min(from_batch_id) AS from_batch_id, max(to_batch_id) AS to_batch_id, sum(batches) AS batches, reason FROM forward_drops GROUP BY sink, reason',
    );
    expect(recorded).toContainEqual({
      sink: 'upstream',
      from_batch_id: 1,
      to_batch_id: firstKept - 1,
      batches: droppedForUpstream,
      reason: 'hard_quota',
    });
    for (const sink of SINKS) {
      expect(store.cursor(sink)).toBeGreaterThanOrEqual(firstKept - 1);
    }
    expect(rows<RangeRow>('SELECT DISTINCT reason FROM pruned_ranges')).toEqual([{ reason: 'quota' }]);
    expectChainExplained();
    // The collector is still up: new batches are stored, and the chain continues.
    collector.clock.nowMs = now;
    const response = await collector.post(
      'metrics',
      jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: now }] }),
      { token: collector.tokenFor('node-a'), stream: 'stream-node-a', seq: 41 },
    );
    expect(response.status).toBe(200);
    expect(store.readAfter(store.cursor('upstream'), 1000, Number.MAX_SAFE_INTEGER).at(-1)?.seq).toBe(41);
    // Restarted metrics are seeded from the store: the count survives.
    const again = new Registry();
    registerForwardMetrics(again, collector.store, SINKS, () => now);
    expect(await again.metrics()).toContain(
      `perimeter_forward_dropped_total{sink="upstream"} ${droppedForUpstream}`,
    );
  });
});
