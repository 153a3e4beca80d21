import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AttributeNames, MetricNames } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import type { MetricReading } from '../samplers/types.ts';
import { createAgentMeter } from './meter.ts';
import { createMetricsEncoder } from './otlp-metrics-encoder.ts';

const resource = resourceFromAttributes({
  'host.name': 'gpu-node-1',
  'os.type': 'linux',
  'service.name': 'perimeter-agent',
  'service.version': '0.1.0',
  'perimeter.node.id': 'gpu-node-1',
  'host.model': 'Präzision 7920 — 🖥',
});

function sdkBytes(metrics: ResourceMetrics): Buffer {
  const bytes = ProtobufMetricsSerializer.serializeRequest(metrics);
  if (bytes === undefined) throw new Error('the SDK serializer returned nothing');
  return Buffer.from(bytes);
}

/** A round as the agent records it: system gauges, the model gauges' long attributes, its own counters. */
function roundReadings(): MetricReading[] {
  const readings: MetricReading[] = [
    { metric: MetricNames.cpuUtilization, value: 0.125, attributes: {} },
    {
      metric: MetricNames.memoryUsage,
      value: 3_221_225_472,
      attributes: { 'system.memory.state': 'used' },
    },
    { metric: MetricNames.agentSpoolBatches, value: 3, attributes: {} },
    { metric: MetricNames.agentSpoolDropped, value: 0, attributes: {} },
    { metric: MetricNames.agentShipRetries, value: 12, attributes: {} },
    {
      metric: MetricNames.agentSamplerDuration,
      value: 0.0042,
      attributes: { [AttributeNames.samplerName]: 'system' },
    },
    {
      metric: MetricNames.agentSamplerDuration,
      value: -0,
      attributes: { [AttributeNames.samplerName]: 'models' },
    },
  ];
  for (let model = 0; model < 5; model++) {
    const attributes = {
      [AttributeNames.modelName]: `library/llama3.${model}:8b-instruct-q4_K_M`,
      [AttributeNames.modelSource]: 'ollama',
      [AttributeNames.modelDigest]: `sha256:${'ab'.repeat(32)}`,
      [AttributeNames.modelPath]: `/var/lib/ollama/models/manifests/registry.ollama.ai/library/llama3.${model}/8b — ünï`,
      [AttributeNames.modelParameters]: '8B',
    };
    readings.push(
      { metric: MetricNames.modelInfo, value: 1, attributes },
      { metric: MetricNames.modelSize, value: 4_920_734_272 + model, attributes },
    );
  }
  return readings;
}

describe('createMetricsEncoder', () => {
  it('writes the SDK serializer’s exact bytes for a round recorded through the agent’s meter', async () => {
    const meter = createAgentMeter({ resource, serviceVersion: '0.1.0' });
    const encoder = createMetricsEncoder();
    try {
      for (let round = 0; round < 2; round++) {
        const { metrics } = await meter.record(roundReadings());
        const kinds = metrics.scopeMetrics.flatMap((scope) =>
          scope.metrics.map((metric) => metric.dataPointType),
        );
        expect(kinds).toContain(DataPointType.GAUGE);
        expect(kinds).toContain(DataPointType.SUM); // the agent's own cumulative counters
        const points = metrics.scopeMetrics.flatMap((scope) =>
          scope.metrics.map((metric) => metric.dataPoints.length),
        );
        expect(points.reduce((a, b) => a + b, 0)).toBe(roundReadings().length);
        expect(Buffer.from(encoder.encode(metrics)).equals(sdkBytes(metrics))).toBe(true);
      }
    } finally {
      await meter.shutdown();
    }
  });

  it('hands what it does not encode itself (integer points) to the SDK serializer', () => {
    const metrics: ResourceMetrics = {
      resource,
      scopeMetrics: [
        {
          scope: { name: 'perimeter-agent', version: '0.1.0' },
          metrics: [
            {
              descriptor: { name: 'ints', description: '', unit: '1', valueType: 0 },
              dataPointType: DataPointType.SUM,
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              isMonotonic: true,
              dataPoints: [{ startTime: [1, 0], endTime: [2, 5], attributes: { a: 'b' }, value: -7 }],
            },
          ],
        },
      ],
    };
    expect(Buffer.from(createMetricsEncoder().encode(metrics)).equals(sdkBytes(metrics))).toBe(true);
  });
});
