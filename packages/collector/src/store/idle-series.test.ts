import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createRetention } from '../evidence/retention.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { openStore } from './store.ts';

/**
 * Series idle past retention leave memory (issue 18, "unbounded series"): a node that minted
 * thousands of one-off series through real ingest, then went quiet on them, no longer holds them
 * in the series index, the latest values, /metrics or its series cap once the retention policy
 * has run; their rows stay (the integrity digest covers them), and a new point for one brings it
 * back under its old id. A restart does not load them back.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RETENTION = { events: 0, metricDetail: 30 * DAY, summaries: 0 };
const BOMB = 3_000;

describe('series idle past retention', () => {
  let collector: TestCollector | undefined;
  afterEach(() => collector?.close());

  const postSeries = async (c: TestCollector, from: number, count: number, name = 'attack.series') => {
    const points = Array.from({ length: count }, (_, i) => ({
      value: i,
      timeMs: c.clock.nowMs,
      attributes: { id: `v${from + i}` },
    }));
    const response = await c.post('metrics', jsonGauge({ nodeId: 'node-a', name, unit: '1', points }));
    expect(response.status).toBe(200);
    return (await response.json()) as { partialSuccess?: { rejectedDataPoints?: number | string } };
  };
  const scrape = async (c: TestCollector) => (await c.app.request('/metrics')).text();
  const attackLines = (text: string) =>
    text.split('\n').filter((line) => line.startsWith('attack_series')).length;

  it('leave the index, the latest values, /metrics and the node cap; rows and digest stay; a new point brings one back', async () => {
    const c = createTestCollector({
      admission: { maxSeriesPerNode: BOMB + 10, maxNewSeriesPerRequest: BOMB },
    });
    collector = c;
    const t0 = c.clock.nowMs;
    await postSeries(c, 0, BOMB);
    // One ordinary series the node keeps reporting.
    await c.post('metrics', jsonGauge({ nodeId: 'node-a', points: [{ value: 40, timeMs: t0 }] }));
    expect(c.store.series.size()).toBe(BOMB + 1);
    expect(c.store.series.countForNode('node-a')).toBe(BOMB + 1);
    expect(attackLines(await scrape(c))).toBe(BOMB);
    // At the cap: more new series are refused (and reported).
    const refused = await postSeries(c, BOMB, 20);
    expect(Number(refused.partialSuccess?.rejectedDataPoints)).toBe(11);

    const maxId = c.store.integrity.maxSeriesId();
    const digest = c.store.integrity.seriesDigest(maxId);
    const retention = createRetention(c.store, RETENTION);

    // Within retention nothing leaves.
    c.clock.nowMs = t0 + 29 * DAY;
    await c.post('metrics', jsonGauge({ nodeId: 'node-a', points: [{ value: 41, timeMs: c.clock.nowMs }] }));
    expect(retention.enforce(c.clock.nowMs).seriesEvicted).toBe(0);
    expect(c.store.series.size()).toBe(BOMB + 10);

    // Past retention the idle ones go; the one still reporting stays.
    c.clock.nowMs = t0 + 31 * DAY;
    await c.post('metrics', jsonGauge({ nodeId: 'node-a', points: [{ value: 42, timeMs: c.clock.nowMs }] }));
    const result = retention.enforce(c.clock.nowMs);
    expect(result.seriesEvicted).toBe(BOMB + 9);
    expect(c.store.series.size()).toBe(1);
    expect([...c.store.latest.entries()]).toHaveLength(1);
    expect(c.store.series.countForNode('node-a')).toBe(1);
    const after = await scrape(c);
    expect(attackLines(after)).toBe(0);
    expect(after).toMatch(/^hw_temperature_celsius\{node="node-a"\} 42$/m);
    // The rows stay: the digest a signed checkpoint holds is unchanged.
    expect(c.store.integrity.seriesDigest(maxId)).toBe(digest);

    // The node has room again, and an evicted series comes back under its old id.
    const [oldId] = c
      .sqlite()
      .prepare(`SELECT id FROM series WHERE attributes_json = '{"id":"v7"}'`)
      .pluck()
      .all();
    expect((await postSeries(c, 7, 1)).partialSuccess).toBeUndefined();
    expect(c.store.series.size()).toBe(2);
    expect(c.store.integrity.maxSeriesId()).toBe(maxId);
    expect(c.store.integrity.seriesDigest(maxId)).toBe(digest);
    const back = [...c.store.series.all()].find((s) => s.attributes['id'] === 'v7');
    expect(back?.id).toBe(oldId);
    expect(c.store.latest.get(oldId as number)?.value).toBe(0);
    expect(await scrape(c)).toMatch(/^attack_series_ratio\{node="node-a",id="v7"\} 0$/m);
    // Old samples of an evicted series still resolve (replay, remote write read through get).
    expect(c.store.series.get(maxId)?.attributes).toEqual({ id: `v${BOMB + 8}` });
  });

  it('stay out of memory after a restart', async () => {
    const c = createTestCollector({
      admission: { maxSeriesPerNode: BOMB + 10, maxNewSeriesPerRequest: BOMB },
    });
    const t0 = c.clock.nowMs;
    await postSeries(c, 0, BOMB);
    c.clock.nowMs = t0 + 31 * DAY;
    await c.post('metrics', jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: c.clock.nowMs }] }));
    createRetention(c.store, RETENTION).enforce(c.clock.nowMs);
    // A series that comes back after the sweep is loaded again.
    await postSeries(c, 5, 1);
    await c.store.close();

    const reopened = openStore({ dataDir: c.dataDir, synchronous: 'NORMAL' });
    try {
      expect(reopened.series.size()).toBe(2);
      expect([...reopened.latest.entries()].map(([id]) => reopened.series.get(id)?.metric).sort()).toEqual([
        'attack.series',
        'hw.temperature',
      ]);
      expect(reopened.series.countForNode('node-a')).toBe(2);
    } finally {
      await reopened.close();
      rmSync(c.dataDir, { recursive: true, force: true });
    }
  });
});
