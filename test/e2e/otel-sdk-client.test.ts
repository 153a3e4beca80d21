import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  MetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';

/**
 * Unmodified OpenTelemetry JS exporters (protobuf and JSON over HTTP) against a real collector
 * process: a valid node token gets the metric into /metrics; a revoked one gets 401 and nothing
 * is stored (README acceptance).
 */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function collectGpuLoad(nodeId: string, value: number): Promise<ResourceMetrics> {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'inference-server', 'perimeter.node.id': nodeId }),
    readers: [reader],
  });
  provider
    .getMeter('sdk-e2e')
    .createObservableGauge('hw.gpu.utilization', { unit: '1' })
    .addCallback((result) => result.observe(value, { 'hw.id': 'gpu0', 'hw.name': 'Apple M4 GPU' }));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

function exportOnce(
  exporter: PushMetricExporter,
  metrics: ResourceMetrics,
): Promise<{ code: ExportResultCode; error?: Error }> {
  return new Promise((resolve) => exporter.export(metrics, resolve));
}

describe('official OpenTelemetry JS exporters as clients', () => {
  let collector: CollectorProcess;
  beforeAll(async () => {
    collector = await startCollectorProcess();
  });
  afterAll(async () => {
    await collector?.stop();
  });

  it('stores a protobuf export with a valid node token and serves it on /metrics', async () => {
    const token = collector.createToken('sdk-node');
    const exporter = new OtlpProtoExporter({
      url: `${collector.url}/v1/metrics`,
      headers: { Authorization: `Bearer ${token}` },
    });
    const result = await exportOnce(exporter, await collectGpuLoad('sdk-node', 0.42));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(await scrape(collector.url)).toContain(
      'hw_gpu_utilization_ratio{node="sdk-node",hw_id="gpu0",hw_name="Apple M4 GPU"} 0.42',
    );
  });

  it('stores a JSON export from the otlp-http exporter', async () => {
    const token = collector.createToken('sdk-json');
    const exporter = new OtlpHttpJsonExporter({
      url: `${collector.url}/v1/metrics`,
      headers: { Authorization: `Bearer ${token}` },
    });
    const result = await exportOnce(exporter, await collectGpuLoad('sdk-json', 0.9));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(await scrape(collector.url)).toContain(
      'hw_gpu_utilization_ratio{node="sdk-json",hw_id="gpu0",hw_name="Apple M4 GPU"} 0.9',
    );
  });

  it('refuses a revoked token with 401 and stores nothing', async () => {
    const token = collector.createToken('sdk-revoked');
    collector.revokeNode('sdk-revoked');
    const before = collector.query<{ n: number }>('SELECT count(*) AS n FROM batches')[0]?.n;
    const exporter = new OtlpProtoExporter({
      url: `${collector.url}/v1/metrics`,
      headers: { Authorization: `Bearer ${token}` },
    });
    const result = await exportOnce(exporter, await collectGpuLoad('sdk-revoked', 0.5));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(String((result.error as { code?: number } | undefined)?.code ?? result.error?.message)).toMatch(
      /401/,
    );
    expect(collector.query<{ n: number }>('SELECT count(*) AS n FROM batches')[0]?.n).toBe(before);
    expect(collector.query('SELECT * FROM nodes WHERE node_id = ?', 'sdk-revoked')).toEqual([]);
    expect(await scrape(collector.url)).not.toContain('sdk-revoked');
  });
});
