import { AttributeNames, EventNames } from '@perimeter/schema';
import { iso, toCsv } from '../render-csv.ts';
import { duration, markdownTable } from '../render-markdown.ts';
import { defineSection, eventRow } from '../section.ts';

/**
 * Configuration drift and its remediation. Time to remediate a drift is the time from the drift
 * event to the next config.drift event of the same check on the same node whose observed value
 * equals the expected one, looked for up to now (after the period too); none yet is "open".
 */
export interface DriftRow {
  atMs: number;
  nodeId: string;
  checkId: string;
  controls: string;
  expected: string;
  observed: string;
  previous: string;
  remediatedAtMs: number | null;
  /** null while open. */
  timeToRemediateMs: number | null;
}

export interface ChangesRows {
  drifts: DriftRow[];
  remediated: number;
  open: number;
  medianTimeToRemediateMs: number | null;
  maxTimeToRemediateMs: number | null;
  returnsToExpected: number;
}

export const changesSection = defineSection<ChangesRows>({
  id: 'changes',
  title: 'Changes: configuration drift',
  controls: {
    soc2: ['CC7.1', 'CC8.1'],
    iso27001: ['8.9 Configuration management', '8.32 Change management', '8.16 Monitoring activities'],
    basis: 'row "Alert: config drift"',
  },
  read({ reads, period }) {
    // From the period's start with no end: a drift's remediation may come after the period.
    const events = reads.eventsNamed(EventNames.configDrift, { fromMs: period.fromMs }).map((event) =>
      eventRow(event, {
        checkId: AttributeNames.checkId,
        controls: AttributeNames.checkControls,
        expected: AttributeNames.driftExpected,
        observed: AttributeNames.driftObserved,
        previous: AttributeNames.driftPrevious,
      }),
    );
    const drifts: DriftRow[] = [];
    let returnsToExpected = 0;
    events.forEach((e, index) => {
      if (e.atMs >= period.toMs) {
        return;
      }
      if (e.observed === e.expected) {
        returnsToExpected++;
        return;
      }
      const fix = events.find(
        (later, j) =>
          j > index &&
          later.nodeId === e.nodeId &&
          later.checkId === e.checkId &&
          later.observed === later.expected,
      );
      drifts.push({
        ...e,
        remediatedAtMs: fix?.atMs ?? null,
        timeToRemediateMs: fix === undefined ? null : fix.atMs - e.atMs,
      });
    });
    const times = drifts
      .map((d) => d.timeToRemediateMs)
      .filter((t): t is number => t !== null)
      .sort((a, b) => a - b);
    return {
      drifts,
      remediated: times.length,
      open: drifts.length - times.length,
      medianTimeToRemediateMs:
        times.length === 0 ? null : (times[Math.floor((times.length - 1) / 2)] as number),
      maxTimeToRemediateMs: times.length === 0 ? null : (times[times.length - 1] as number),
      returnsToExpected,
    };
  },
  markdown: (ch) => [
    `${ch.drifts.length} drift(s) from the expected configuration; ${ch.remediated} remediated (median ${duration(ch.medianTimeToRemediateMs)}, longest ${duration(ch.maxTimeToRemediateMs)}), ${ch.open} open. Time to remediate = until the same check on the same node next reported its expected value. File: drift.csv`,
    '',
    ...markdownTable(
      ['Time', 'Node', 'Check', 'Expected', 'Observed', 'Remediated', 'Time to remediate'],
      ch.drifts.map((d) => [
        iso(d.atMs),
        d.nodeId,
        d.checkId,
        d.expected,
        d.observed,
        iso(d.remediatedAtMs) || '-',
        d.timeToRemediateMs === null ? 'open' : duration(d.timeToRemediateMs),
      ]),
    ),
  ],
  csv: (ch) => ({
    'drift.csv': toCsv(
      [
        'time',
        'node',
        'check',
        'controls',
        'expected',
        'observed',
        'previous',
        'remediated',
        'time_to_remediate_s',
      ],
      ch.drifts.map((d) => [
        iso(d.atMs),
        d.nodeId,
        d.checkId,
        d.controls,
        d.expected,
        d.observed,
        d.previous,
        iso(d.remediatedAtMs),
        d.timeToRemediateMs === null ? 'open' : d.timeToRemediateMs / 1000,
      ]),
    ),
  }),
});
