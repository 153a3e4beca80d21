import type { Observable } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InstrumentType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  CounterMetricNames,
  type MetricName,
  MetricNames,
  MetricUnits,
  ServiceNames,
} from '@perimeter/schema';
import type { MetricReading } from '../samplers/types.ts';

/**
 * The OTel side of a round: the agent samples first, then hands the readings here to be recorded
 * as one OTLP metrics batch. Collection is pulled by the agent's own tick (a reader with no
 * timer), so one tick makes at most one metrics batch. Every MetricName is an ObservableGauge fed
 * by ONE batch callback that only observes the readings it was handed (it runs nothing), so all
 * readings of a tick share one observation. Delta temporality: a
 * gauge series that was not observed this tick (a sensor gone, a disk unmounted) is not repeated
 * with a stale value, which cumulative async storage would do forever. The agent's own totals
 * (CounterMetricNames) are cumulative observable counters, so they reach Prometheus as `_total`.
 */
class TickMetricReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: (type) =>
        type === InstrumentType.OBSERVABLE_COUNTER
          ? AggregationTemporality.CUMULATIVE
          : AggregationTemporality.DELTA,
    });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface AgentMeter {
  /** Records one round's readings through the SDK and returns what it aggregated. */
  record(readings: readonly MetricReading[]): Promise<{ metrics: ResourceMetrics; errors: unknown[] }>;
  shutdown(): Promise<void>;
}

export interface AgentMeterOptions {
  resource: Resource;
  serviceVersion: string;
}

const NO_READINGS: readonly MetricReading[] = [];

export function createAgentMeter({ resource, serviceVersion }: AgentMeterOptions): AgentMeter {
  const reader = new TickMetricReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter(ServiceNames.agent, serviceVersion);
  const instruments = new Map<MetricName, Observable>(
    Object.values(MetricNames).map((name) => [
      name,
      CounterMetricNames.has(name)
        ? meter.createObservableCounter(name, { unit: MetricUnits[name] })
        : meter.createObservableGauge(name, { unit: MetricUnits[name] }),
    ]),
  );
  let pending = NO_READINGS;
  meter.addBatchObservableCallback(
    (result) => {
      for (const reading of pending) {
        const instrument = instruments.get(reading.metric);
        if (instrument) {
          result.observe(instrument, reading.value, reading.attributes);
        }
      }
    },
    [...instruments.values()],
  );
  return {
    async record(readings) {
      pending = readings;
      try {
        const { resourceMetrics, errors } = await reader.collect();
        return { metrics: resourceMetrics, errors };
      } finally {
        pending = NO_READINGS;
      }
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
