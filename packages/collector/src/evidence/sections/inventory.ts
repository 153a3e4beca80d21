import { ResourceAttributeNames } from '@perimeter/schema';
import { iso, toCsv } from '../render-csv.ts';
import { markdownTable } from '../render-markdown.ts';
import { usualIntervalMs } from '../retention.ts';
import { defineSection, text } from '../section.ts';

/**
 * What the fleet is, and how much of the period each node covered. Coverage is the share of the
 * period's intervals (the node's usual spacing of metric batches, their median gap) that hold at
 * least one stored batch; for hours whose metric detail retention has pruned, the hourly activity
 * summary written before the prune stands in (rescaled if its interval differs).
 */
export interface InventoryRow {
  nodeId: string;
  hostName: string;
  hardwareModel: string;
  osType: string;
  osVersion: string;
  agentVersion: string;
  firstSeenMs: number;
  lastSeenMs: number;
  intervalMs: number;
  intervalsWithData: number;
  intervalsInPeriod: number;
  coveragePct: number;
  batchesInPeriod: number;
  seqGapsInPeriod: number;
}

const HOUR_MS = 3_600_000;

export const inventorySection = defineSection<InventoryRow[]>({
  id: 'inventory',
  title: 'Inventory and coverage',
  controls: {
    soc2: ['CC6.1', 'CC7.2'],
    iso27001: ['8.1 User endpoint devices', '8.16 Monitoring activities', '8.15 Logging'],
    basis: 'rows "Security auditing" and "Alert: node down"',
  },
  read({ reads, period }) {
    return reads.nodes().map((node): InventoryRow => {
      const { resource } = node;
      const arrivals = reads.batchArrivals(node.nodeId, period);
      const summarised = reads.activityHours(node.nodeId, period);
      const metricTimes = arrivals.filter((r) => r.signal === 'metrics').map((r) => r.atMs);
      const intervalMs =
        metricTimes.length >= 2
          ? usualIntervalMs(metricTimes)
          : arrivals.length >= 2
            ? usualIntervalMs(arrivals.map((r) => r.atMs))
            : (summarised[0]?.intervalMs ?? 60_000);
      const covered = new Set<number>();
      const metricHours = new Set<number>();
      for (const arrival of arrivals) {
        covered.add(Math.floor((arrival.atMs - period.fromMs) / intervalMs));
        if (arrival.signal === 'metrics') {
          metricHours.add(Math.floor(arrival.atMs / HOUR_MS) * HOUR_MS);
        }
      }
      let fromSummaries = 0;
      for (const hour of summarised) {
        if (!metricHours.has(hour.hourMs)) {
          fromSummaries += Math.round((hour.intervalsWithData * hour.intervalMs) / intervalMs);
        }
      }
      const intervalsInPeriod = Math.max(1, Math.ceil((period.toMs - period.fromMs) / intervalMs));
      const intervalsWithData = Math.min(intervalsInPeriod, covered.size + fromSummaries);
      return {
        nodeId: node.nodeId,
        hostName: text(resource[ResourceAttributeNames.hostName]),
        hardwareModel: text(resource[ResourceAttributeNames.hostModel]),
        osType: text(resource[ResourceAttributeNames.osType]),
        osVersion: text(resource[ResourceAttributeNames.osVersion]),
        agentVersion: text(resource[ResourceAttributeNames.serviceVersion]),
        firstSeenMs: node.firstSeenMs,
        lastSeenMs: node.lastSeenMs,
        intervalMs,
        intervalsWithData,
        intervalsInPeriod,
        coveragePct: Math.round((intervalsWithData / intervalsInPeriod) * 1000) / 10,
        batchesInPeriod:
          arrivals.length +
          summarised.reduce((sum, h) => sum + (metricHours.has(h.hourMs) ? 0 : h.batches), 0),
        seqGapsInPeriod: reads.gapCount(node.nodeId, period),
      };
    });
  },
  markdown: (inventory) => [
    `${inventory.length} node(s). Coverage = intervals (the node's usual metric interval) holding at least one stored batch ÷ intervals in the period. File: inventory.csv`,
    '',
    ...markdownTable(
      [
        'Node',
        'Hardware model',
        'OS',
        'Agent version',
        'First seen',
        'Last seen',
        'Interval',
        'Coverage',
        'Seq gaps',
      ],
      inventory.map((n) => [
        n.nodeId,
        n.hardwareModel || '-',
        `${n.osType} ${n.osVersion}`.trim() || '-',
        n.agentVersion || '-',
        iso(n.firstSeenMs),
        iso(n.lastSeenMs),
        `${n.intervalMs / 1000} s`,
        `${n.coveragePct}% (${n.intervalsWithData}/${n.intervalsInPeriod})`,
        n.seqGapsInPeriod,
      ]),
    ),
  ],
  csv: (inventory) => ({
    'inventory.csv': toCsv(
      [
        'node',
        'host_name',
        'hardware_model',
        'os_type',
        'os_version',
        'agent_version',
        'first_seen',
        'last_seen',
        'interval_s',
        'intervals_with_data',
        'intervals_in_period',
        'coverage_pct',
        'batches_in_period',
        'seq_gaps_in_period',
      ],
      inventory.map((n) => [
        n.nodeId,
        n.hostName,
        n.hardwareModel,
        n.osType,
        n.osVersion,
        n.agentVersion,
        iso(n.firstSeenMs),
        iso(n.lastSeenMs),
        n.intervalMs / 1000,
        n.intervalsWithData,
        n.intervalsInPeriod,
        n.coveragePct,
        n.batchesInPeriod,
        n.seqGapsInPeriod,
      ]),
    ),
  }),
});
