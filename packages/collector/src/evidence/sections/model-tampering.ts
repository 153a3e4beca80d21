import { AttributeNames, EventNames } from '@perimeter/schema';
import { iso, toCsv } from '../render-csv.ts';
import { markdownTable } from '../render-markdown.ts';
import { defineSection, eventRow } from '../section.ts';

/**
 * Seed 001's incident category "tampering with model weights detected (SHA mismatch)": every
 * model.integrity event in the period, weights whose content no longer matches their digest
 * (mismatch) or that could not be read (unreadable). Each paged ModelWeightsTampered (critical).
 */
export interface TamperingRow {
  atMs: number;
  nodeId: string;
  model: string;
  path: string;
  expected: string;
  observed: string;
  outcome: string;
}

export const modelTamperingSection = defineSection<{ incidents: TamperingRow[] }>({
  id: 'modelTampering',
  title: 'AI incidents: model weights tampering',
  controls: {
    soc2: ['CC7.2', 'CC7.3'],
    iso27001: [
      '8.16 Monitoring activities',
      '5.25 Assessment and decision on information security events',
      '5.26 Response to information security incidents',
    ],
    basis: 'row "Security auditing"; seed 001 CC7.3 ("tampering with model weights detected")',
  },
  read({ reads, period }) {
    return {
      incidents: reads.eventsNamed(EventNames.modelIntegrity, period).map((event) =>
        eventRow(event, {
          model: AttributeNames.modelName,
          path: AttributeNames.modelPath,
          expected: AttributeNames.integrityExpected,
          observed: AttributeNames.integrityObserved,
          outcome: AttributeNames.integrityOutcome,
        }),
      ),
    };
  },
  markdown: ({ incidents }) => [
    incidents.length === 0
      ? 'No weights failed their integrity check in the period: every weights file re-hashed matched its digest.'
      : `${incidents.length} weights integrity failure(s); each paged ModelWeightsTampered (critical). File: model-tampering.csv`,
    '',
    ...markdownTable(
      ['Time', 'Node', 'Model', 'Path', 'Expected', 'Observed', 'Outcome'],
      incidents.map((i) => [
        iso(i.atMs),
        i.nodeId,
        i.model,
        i.path,
        i.expected,
        i.observed || '-',
        i.outcome,
      ]),
    ),
  ],
  csv: ({ incidents }) => ({
    'model-tampering.csv': toCsv(
      ['time', 'node', 'model', 'path', 'expected', 'observed', 'outcome'],
      incidents.map((i) => [iso(i.atMs), i.nodeId, i.model, i.path, i.expected, i.observed, i.outcome]),
    ),
  }),
});
