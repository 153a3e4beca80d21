import type { ObservableGauge } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { type MetricName, MetricNames, MetricUnits, ServiceNames } from '@perimeter/schema';
import type { SampleRound } from './sample-round.ts';

/**
 * The OTel side of sampling. Collection is pulled by the agent's own tick (a reader with no
 * timer), so `once`, tests and the run loop decide exactly when samplers run and one tick makes at
 * most one metrics batch. Every MetricName is an ObservableGauge fed by ONE batch callback that
 * runs the sampler round, so all readings of a tick share one observation. Delta temporality: a
 * gauge series that was not observed this tick (a sensor gone, a disk unmounted) is not repeated
 * with a stale value, which cumulative async storage would do forever.
 */
class TickMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface AgentMeter {
  /** Runs the samplers through the SDK once and returns what the SDK aggregated. */
  collect(): Promise<{ metrics: ResourceMetrics; round: SampleRound; errors: unknown[] }>;
  shutdown(): Promise<void>;
}

export interface AgentMeterOptions {
  resource: Resource;
  serviceVersion: string;
  runRound: () => Promise<SampleRound>;
}

export function createAgentMeter({ resource, serviceVersion, runRound }: AgentMeterOptions): AgentMeter {
  const reader = new TickMetricReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter(ServiceNames.agent, serviceVersion);
  const gauges = new Map<MetricName, ObservableGauge>(
    Object.values(MetricNames).map((name) => [
      name,
      meter.createObservableGauge(name, { unit: MetricUnits[name] }),
    ]),
  );
  let lastRound: SampleRound = { readings: [], events: [], outcomes: [] };
  meter.addBatchObservableCallback(
    async (result) => {
      lastRound = await runRound();
      for (const reading of lastRound.readings) {
        const gauge = gauges.get(reading.metric);
        if (gauge) {
          result.observe(gauge, reading.value, reading.attributes);
        }
      }
    },
    [...gauges.values()],
  );
  return {
    async collect() {
      lastRound = { readings: [], events: [], outcomes: [] };
      const { resourceMetrics, errors } = await reader.collect();
      return { metrics: resourceMetrics, round: lastRound, errors };
    },
    shutdown: () => provider.shutdown(),
  };
}

export function countDataPoints(metrics: ResourceMetrics): number {
  let points = 0;
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      points += metric.dataPoints.length;
    }
  }
  return points;
}
