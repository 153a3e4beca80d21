import { describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge } from '../test-support/test-collector.ts';

/**
 * Issue 18, "Unbounded series" and "Timestamps are not checked": each test sends what the attacker
 * sent; the refused items are counted by reason and reported as OTLP partial_success, and the rest
 * of the batch is stored.
 */
type OtlpAnswer = { partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string } };
const rejects = async (collector: ReturnType<typeof createTestCollector>, reason: string) => {
  const text = await (await collector.app.request('/metrics')).text();
  return Number(new RegExp(`perimeter_ingest_rejects_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1]);
};

describe('ingest admission: time window', () => {
  it('refuses a 2100-dated point (it pinned /metrics for good), stores the rest, and later values show', async () => {
    const collector = createTestCollector();
    const now = collector.clock.nowMs;
    const year2100 = Date.parse('2100-01-01T00:00:00Z');
    const response = await collector.post(
      'metrics',
      jsonGauge({
        points: [
          { value: 99, timeMs: year2100 },
          { value: 40, timeMs: now },
        ],
      }),
    );
    expect(response.status).toBe(200);
    const answer = (await response.json()) as OtlpAnswer;
    expect(answer.partialSuccess?.rejectedDataPoints).toBe('1');
    expect(answer.partialSuccess?.errorMessage).toContain('ingest.maxAhead');
    expect(collector.samples().map((s) => s.value)).toEqual([40]);
    collector.clock.nowMs = now + 60_000;
    await collector.post('metrics', jsonGauge({ points: [{ value: 41, timeMs: now + 60_000 }] }));
    const text = await (await collector.app.request('/metrics')).text();
    expect(text).toContain('hw_temperature_celsius{node="node-a"} 41');
    expect(await rejects(collector, 'timestamp_ahead')).toBe(1);
    collector.close();
  });

  it("stores an agent's days-old backlog, refuses what is older than the retention horizon", async () => {
    const collector = createTestCollector();
    const now = collector.clock.nowMs;
    const day = 86_400_000;
    const response = await collector.post(
      'metrics',
      jsonGauge({
        points: [
          { value: 1, timeMs: now - 6 * day },
          { value: 2, timeMs: now - 29 * day },
          { value: 3, timeMs: now - 31 * day },
          { value: 4, timeMs: now + 9 * 60_000 },
        ],
      }),
    );
    expect(((await response.json()) as OtlpAnswer).partialSuccess?.rejectedDataPoints).toBe('1');
    expect(collector.samples().map((s) => s.value)).toEqual([1, 2, 4]);
    expect(await rejects(collector, 'timestamp_behind')).toBe(1);
    collector.close();
  });
});

describe('ingest admission: series and attributes', () => {
  it('caps new series per request and per node, counted and answered, never silent', async () => {
    const collector = createTestCollector({ admission: { maxSeriesPerNode: 5, maxNewSeriesPerRequest: 3 } });
    const now = collector.clock.nowMs;
    const series = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        value: i,
        timeMs: now,
        attributes: { 'hw.id': `s${from + i}` },
      }));
    const first = (await (
      await collector.post('metrics', jsonGauge({ points: series(0, 4) }))
    ).json()) as OtlpAnswer;
    expect(first.partialSuccess?.rejectedDataPoints).toBe('1');
    expect(first.partialSuccess?.errorMessage).toContain('ingest.maxNewSeriesPerRequest');
    const second = (await (
      await collector.post('metrics', jsonGauge({ points: [...series(0, 3), ...series(10, 3)] }))
    ).json()) as OtlpAnswer;
    // The three known series are stored again; two new ones fit under 5 per node, the third not.
    expect(second.partialSuccess?.rejectedDataPoints).toBe('1');
    expect(second.partialSuccess?.errorMessage).toContain('ingest.maxSeriesPerNode');
    expect(collector.store.series.countForNode('node-a')).toBe(5);
    expect(collector.samples()).toHaveLength(8);
    expect(await rejects(collector, 'new_series_limit')).toBe(1);
    expect(await rejects(collector, 'series_limit')).toBe(1);
    // Another node has its own allowance.
    const other = await collector.post('metrics', jsonGauge({ nodeId: 'node-b', points: series(0, 1) }), {
      token: collector.tokenFor('node-b'),
    });
    expect(await other.json()).toEqual({});
    collector.close();
  });

  it('refuses a 100 KB attribute key and 1,000 attributes on one point', async () => {
    const collector = createTestCollector();
    const now = collector.clock.nowMs;
    const many = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, 'v']));
    const response = await collector.post(
      'metrics',
      jsonGauge({
        points: [
          { value: 1, timeMs: now, attributes: { ['k'.repeat(100_000)]: 'v' } },
          { value: 2, timeMs: now, attributes: many },
          { value: 3, timeMs: now, attributes: { 'hw.id': 'ok' } },
        ],
      }),
    );
    const answer = (await response.json()) as OtlpAnswer;
    expect(answer.partialSuccess?.rejectedDataPoints).toBe('2');
    expect(answer.partialSuccess?.errorMessage).toContain('ingest.maxAttributeKeyLength');
    expect(answer.partialSuccess?.errorMessage).toContain('ingest.maxAttributesPerPoint');
    expect(collector.samples().map((s) => s.value)).toEqual([3]);
    expect(collector.store.series.countForNode('node-a')).toBe(1);
    collector.close();
  });
});
