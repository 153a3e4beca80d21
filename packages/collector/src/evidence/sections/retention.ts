import type { PrunedTotal } from '../../store/evidence-reads.ts';
import { iso } from '../render-csv.ts';
import { duration, markdownTable } from '../render-markdown.ts';
import { defineSection, type RetentionSettings } from '../section.ts';

/** The retention policy the collector enforces, and what pruning has removed so far. */
export interface RetentionRows {
  retention: RetentionSettings;
  prunedRanges: PrunedTotal[];
}

export const retentionSection = defineSection<RetentionRows>({
  id: 'retention',
  title: 'Retention policy',
  controls: null,
  read: ({ reads, retention }) => ({ retention, prunedRanges: reads.prunedTotals() }),
  json: (rows) => ({ retention: rows.retention, prunedRanges: rows.prunedRanges }),
  markdown: ({ retention: ret, prunedRanges }) => [
    `- events (log batches): ${keep(ret.events)}`,
    `- metric detail (raw samples): ${keep(ret.metricDetail)}`,
    `- hourly metric summaries and node activity: ${keep(ret.summaries)}`,
    `- forwarded data (storage.retention): ${ret.sinks === 0 ? 'not applied (no forward sink configured)' : `${keep(ret.forwardedRetentionMs)} once every one of ${ret.sinks} sink(s) has it`}`,
    '- pruning removes whole batches and records each removed run with its chain edges, so verification above still covers what remains.',
    '',
    ...markdownTable(
      ['Node', 'Reason', 'Batches pruned', 'Received from', 'Received to'],
      prunedRanges.map((p) => [p.nodeId, p.reason, p.batches, iso(p.fromMs), iso(p.toMs)]),
    ),
  ],
  csv: () => ({}),
});

function keep(ms: number): string {
  return ms === 0 ? 'kept indefinitely' : `kept ${duration(ms)}`;
}
