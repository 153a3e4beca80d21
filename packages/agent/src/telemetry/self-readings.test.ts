import { MetricNames } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { agentSelfReadings } from './self-readings.ts';

describe('agentSelfReadings', () => {
  const spool = {
    batches: 3,
    bytes: 3000,
    deadLetters: 1,
    deadLetterBytes: 500,
    droppedBatches: 7,
    droppedBytes: 9000,
    droppedDeadLetters: 0,
    oldestAgeMs: 12_500,
  };
  const ship = {
    shippedBatches: 10,
    shippedBytes: 1,
    retries: 4,
    deadLettered: 1,
    authFailures: 0,
    partialRejected: 0,
    consecutiveFailures: 0,
    lastShippedAtMs: null,
    lastError: null,
  };

  it('reports sampler success and duration, but not samplers with nothing to read on this host', () => {
    const readings = agentSelfReadings(
      {
        readings: [],
        events: [],
        outcomes: [
          { name: 'system', status: 'ok', durationMs: 250, readings: 9, dropped: 0 },
          { name: 'fans', status: 'timeout', durationMs: 10_000, readings: 0, dropped: 0 },
          { name: 'thermal', status: 'not-available-here', durationMs: 1, readings: 0, dropped: 0 },
        ],
      },
      spool,
      ship,
    );
    const of = (metric: string, sampler?: string) =>
      readings.find(
        (r) =>
          r.metric === metric && (sampler === undefined || r.attributes['perimeter.sampler'] === sampler),
      )?.value;
    expect(of(MetricNames.agentSamplerSuccess, 'system')).toBe(1);
    expect(of(MetricNames.agentSamplerSuccess, 'fans')).toBe(0);
    expect(of(MetricNames.agentSamplerDuration, 'fans')).toBe(10);
    expect(of(MetricNames.agentSamplerSuccess, 'thermal')).toBeUndefined();
    expect(of(MetricNames.agentSpoolSize)).toBe(3500);
    expect(of(MetricNames.agentSpoolOldestAge)).toBe(12.5);
    expect(of(MetricNames.agentSpoolDropped)).toBe(7);
    expect(of(MetricNames.agentShipRetries)).toBe(4);
  });
});
