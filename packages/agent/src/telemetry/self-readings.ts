import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { MetricReading } from '../samplers/types.ts';
import type { ShipperStats } from '../ship/shipper.ts';
import type { SpoolStats } from '../spool/types.ts';
import type { SampleRound } from './sample-round.ts';

/**
 * What the agent says about itself each round, shipped with the node's own readings: whether each
 * sampler worked and how long it took (node_exporter's scrape_collector_success/duration), and the
 * spool's backlog and losses, so a node that cannot deliver, or had to drop data, shows it on the
 * dashboards and can page (SpoolOverflow). Spool totals are persisted, so they survive restarts.
 */
export function agentSelfReadings(
  round: SampleRound,
  spool: SpoolStats,
  ship: ShipperStats,
): MetricReading[] {
  const readings: MetricReading[] = [];
  for (const outcome of round.outcomes) {
    if (outcome.status === 'not-available-here') {
      continue; // Nothing to read on this host is not a failure (node_exporter's ErrNoData).
    }
    const sampler = { [AttributeNames.samplerName]: outcome.name };
    readings.push({
      metric: MetricNames.agentSamplerSuccess,
      value: outcome.status === 'ok' ? 1 : 0,
      attributes: sampler,
    });
    readings.push({
      metric: MetricNames.agentSamplerDuration,
      value: outcome.durationMs / 1000,
      attributes: sampler,
    });
  }
  readings.push(
    { metric: MetricNames.agentSpoolBatches, value: spool.batches, attributes: {} },
    { metric: MetricNames.agentSpoolSize, value: spool.bytes + spool.deadLetterBytes, attributes: {} },
    { metric: MetricNames.agentSpoolOldestAge, value: (spool.oldestAgeMs ?? 0) / 1000, attributes: {} },
    { metric: MetricNames.agentSpoolDropped, value: spool.droppedBatches, attributes: {} },
    { metric: MetricNames.agentShipRetries, value: ship.retries, attributes: {} },
    { metric: MetricNames.agentShipDeadLettered, value: ship.deadLettered, attributes: {} },
  );
  return readings;
}
