import { AttributeNames, EventNames } from '@perimeter/schema';
import { iso, toCsv } from '../render-csv.ts';
import { markdownTable } from '../render-markdown.ts';
import { defineSection, eventRow } from '../section.ts';

/**
 * Seed 001's fourth question: the change record of every model version bump. Each model added,
 * replaced or removed in the period (model.change events): time, node, model, old and new weights
 * digest, path. Who requested and approved it lives in the change ticket; this is what to match.
 */
export interface ModelChangeRow {
  atMs: number;
  nodeId: string;
  model: string;
  change: string;
  previousDigest: string;
  digest: string;
  path: string;
}

export const modelChangesSection = defineSection<{ changes: ModelChangeRow[] }>({
  id: 'modelChanges',
  title: 'AI model changes',
  controls: {
    soc2: ['CC8.1'],
    iso27001: ['8.32 Change management', '8.9 Configuration management'],
    basis: 'row "Alert: config drift"; seed 001 CC8.1 ("every model swap is a change")',
  },
  read({ reads, period }) {
    return {
      changes: reads.eventsNamed(EventNames.modelChange, period).map((event) =>
        eventRow(event, {
          model: AttributeNames.modelName,
          change: AttributeNames.modelChange,
          previousDigest: AttributeNames.modelPreviousDigest,
          digest: AttributeNames.modelDigest,
          path: AttributeNames.modelPath,
        }),
      ),
    };
  },
  markdown: ({ changes }) => [
    `${changes.length} model change(s): ${['added', 'replaced', 'removed'].map((k) => `${changes.filter((c) => c.change === k).length} ${k}`).join(', ')}. Match each to its change ticket (requester, reviewer, rollback). File: model-changes.csv`,
    '',
    ...markdownTable(
      ['Time', 'Node', 'Model', 'Change', 'Old weights SHA-256', 'New weights SHA-256'],
      changes.map((c) => [
        iso(c.atMs),
        c.nodeId,
        c.model,
        c.change,
        c.previousDigest || '-',
        c.digest || '-',
      ]),
    ),
  ],
  csv: ({ changes }) => ({
    'model-changes.csv': toCsv(
      ['time', 'node', 'model', 'change', 'previous_digest', 'digest', 'path'],
      changes.map((c) => [iso(c.atMs), c.nodeId, c.model, c.change, c.previousDigest, c.digest, c.path]),
    ),
  }),
});
