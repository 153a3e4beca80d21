import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import {
  AttributeNames,
  EventNames,
  LifecycleActions,
  MetricNames,
  ResourceAttributeNames,
} from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricReading } from '../samplers/types.ts';
import { openSpool } from '../spool/spool.ts';
import type { Spool } from '../spool/types.ts';
import { createRecordingLogger } from '../test-support/context.ts';
import { createAgentEvents } from './logger.ts';
import { countDataPoints, createAgentMeter } from './meter.ts';
import { createAgentResource } from './resource.ts';
import { createSpoolMetricExporter, exportMetrics } from './spool-exporters.ts';

let dir: string;
let spool: Spool;
const clock = { nowMs: () => 1_700_000_000_000 };
const resource = createAgentResource({
  host: { hostname: 'gpu-07', platform: 'linux', arch: 'x64', release: '6.8' },
  identity: {},
  nodeId: 'gpu-07',
  streamId: 'stream-1',
  serviceVersion: '0.1.0',
});
const has = (body: Uint8Array | undefined, text: string) => Buffer.from(body ?? []).includes(text);
const float64 = (value: number) => {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return bytes;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-otel-'));
  spool = openSpool({ path: join(dir, 'spool.db'), maxBytes: 1_000_000, clock });
});
afterEach(() => {
  spool.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('meter → spool', () => {
  it('observes each reading on the gauge of its metric and spools the OTLP protobuf request', async () => {
    const rounds: MetricReading[][] = [
      [
        { metric: MetricNames.hwTemperature, value: 47.5, attributes: { [AttributeNames.hwId]: 'cpu0' } },
        { metric: MetricNames.hwTemperature, value: 51.25, attributes: { [AttributeNames.hwId]: 'gpu0' } },
        { metric: MetricNames.hwFanSpeed, value: 1998, attributes: { [AttributeNames.hwId]: 'fan1' } },
      ],
      [{ metric: MetricNames.hwTemperature, value: 48, attributes: { [AttributeNames.hwId]: 'cpu0' } }],
    ];
    const meter = createAgentMeter({ resource, serviceVersion: '0.1.0' });
    const first = await meter.record(rounds[0] ?? []);
    expect(countDataPoints(first.metrics)).toBe(3);
    const temperature = first.metrics.scopeMetrics[0]?.metrics.find(
      (m) => m.descriptor.name === 'hw.temperature',
    );
    expect(temperature?.descriptor.unit).toBe('Cel');
    expect(temperature?.dataPointType).toBe(DataPointType.GAUGE);

    const exporter = createSpoolMetricExporter(spool, createRecordingLogger());
    expect((await exportMetrics(exporter, first.metrics)).code).toBe(0);
    const [batch] = spool.peekOldest(1);
    expect(batch).toMatchObject({ seq: exporter.lastSeq(), signal: 'metrics' });
    for (const text of [
      'hw.temperature',
      'hw.fan.speed',
      'gpu-07',
      ResourceAttributeNames.nodeId,
      'stream-1',
    ]) {
      expect(has(batch?.body, text), text).toBe(true);
    }
    expect(Buffer.from(batch?.body ?? []).includes(float64(51.25))).toBe(true);

    const second = await meter.record(rounds[1] ?? []);
    expect(countDataPoints(second.metrics)).toBe(1);
    await meter.shutdown();
  });

  it('reports a failed export (spool closed) as FAILED and logs it', async () => {
    const meter = createAgentMeter({ resource, serviceVersion: '0.1.0' });
    const { metrics } = await meter.record([{ metric: MetricNames.uptime, value: 5, attributes: {} }]);
    const log = createRecordingLogger();
    spool.close();
    expect((await exportMetrics(createSpoolMetricExporter(spool, log), metrics)).code).toBe(1);
    expect(log.entries.some((e) => e.level === 'error')).toBe(true);
    spool = openSpool({ path: join(dir, 'spool.db'), maxBytes: 1_000_000, clock });
  });
});

describe('events → spool', () => {
  it('commits an event before emitEvent returns, with event.name set and the resource attached', async () => {
    const events = createAgentEvents({
      resource,
      spool,
      clock,
      log: createRecordingLogger(),
      serviceVersion: '0.1.0',
    });
    events.emitEvent(
      EventNames.agentLifecycle,
      { [AttributeNames.lifecycleAction]: LifecycleActions.start },
      'perimeter-agent start',
    );
    const [batch] = spool.peekOldest(5);
    expect(batch?.signal).toBe('logs');
    for (const text of [
      AttributeNames.eventName,
      'agent.lifecycle',
      'start',
      'perimeter-agent start',
      'gpu-07',
    ]) {
      expect(has(batch?.body, text), text).toBe(true);
    }
    await events.shutdown();
  });
});
