import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { createSelfMetrics } from './self-metrics.ts';

describe('/metrics exposition of node series', () => {
  let collector: TestCollector;
  beforeEach(() => {
    collector = createTestCollector();
  });
  afterEach(() => collector.close());

  it('names series by the OTel → Prometheus rules of ARCHITECTURE.md', async () => {
    const now = collector.clock.nowMs;
    await collector.post(
      'metrics',
      jsonGauge({ name: 'system.cpu.utilization', unit: '1', points: [{ value: 0.25, timeMs: now }] }),
    );
    await collector.post(
      'metrics',
      jsonGauge({ name: 'hw.fan.speed', unit: 'rpm', points: [{ value: 1800, timeMs: now }] }),
    );
    await collector.post(
      'metrics',
      jsonGauge({ name: 'hw.power', unit: 'W', points: [{ value: 7.5, timeMs: now }] }),
    );
    const text = await (await collector.app.request('/metrics')).text();
    expect(text).toContain('system_cpu_utilization_ratio{node="node-a"} 0.25');
    expect(text).toContain('hw_fan_speed_rpm{node="node-a"} 1800');
    expect(text).toContain('hw_power_watts{node="node-a"} 7.5');
    expect(text).toContain('# TYPE hw_power_watts gauge');
  });

  it('leaves node series out with ?nodes=false (a shared TSDB gets them by remote write)', async () => {
    await collector.post(
      'metrics',
      jsonGauge({ name: 'hw.power', unit: 'W', points: [{ value: 7.5, timeMs: collector.clock.nowMs }] }),
    );
    const own = await (await collector.app.request('/metrics?nodes=false')).text();
    expect(own).not.toContain('hw_power_watts');
    expect(own).toMatch(/^perimeter_node_last_seen_timestamp_seconds\{node="node-a"\} \d+/m);
    expect(await (await collector.app.request('/metrics')).text()).toContain(
      'hw_power_watts{node="node-a"} 7.5',
    );
  });

  it('escapes hostile label values instead of breaking the format', async () => {
    await collector.post(
      'metrics',
      jsonGauge({
        points: [
          { value: 1, timeMs: collector.clock.nowMs, attributes: { 'hw.name': 'a"b\\c\nd</script>' } },
        ],
      }),
    );
    const text = await (await collector.app.request('/metrics')).text();
    expect(text).toContain('hw_name="a\\"b\\\\c\\nd</script>"');
  });

  it('leaves out series that have been silent longer than the staleness window', async () => {
    await collector.post(
      'metrics',
      jsonGauge({ points: [{ value: 33, timeMs: collector.clock.nowMs - 6 * 60_000 }] }),
    );
    const text = await (await collector.app.request('/metrics')).text();
    expect(text).not.toContain('hw_temperature_celsius');
    expect(text).toContain('perimeter_node_last_seen_timestamp_seconds{node="node-a"}');
  });
});

describe('dashboard counters exported at 0 for known label sets (issue 18, Dashboards)', () => {
  it('shows gaps per known node, rejects per reason and forward failures per sink at 0 before any event', async () => {
    const collector = createTestCollector();
    await collector.post('metrics', jsonGauge({ points: [{ value: 1, timeMs: collector.clock.nowMs }] }));
    const text = await (await collector.app.request('/metrics')).text();
    expect(text).toContain('perimeter_ingest_gaps_total{node="node-a"} 0');
    expect(text).toContain('perimeter_ingest_rejects_total{reason="body_too_large"} 0');
    expect(text).toContain('perimeter_ingest_rejects_total{reason="invalid_token"} 0');
    collector.close();
    const withSink = createTestCollector();
    const forward = createSelfMetrics(withSink.store, { sinks: ['backend'], nowMs: () => 0 });
    const own = await forward.registry.metrics();
    for (const reason of ['network', '429', '503', 'permanent']) {
      expect(own).toContain(`perimeter_forward_failures_total{sink="backend",reason="${reason}"} 0`);
    }
    withSink.close();
  });
});
