import { EventNames } from '@perimeter/schema';
import { buildModelInventory, type ModelEntry } from '../../derive/model-inventory.ts';
import { iso, toCsv } from '../render-csv.ts';
import { markdownTable } from '../render-markdown.ts';
import { defineSection } from '../section.ts';

/**
 * Seed 001's first question: every model and where its weights live. Each node × model × weights
 * digest seen in the period (removed ones too, with when they were last seen), its manifest
 * digest, size, first and last seen, its integrity verdict, and whether its weights differ from
 * what most of the fleet holds under that name. Last seen is the newest checkpointed sample.
 */
export interface ModelsRows {
  models: ModelEntry[];
  integrityFailures: number;
  differingFromFleet: number;
}

export const modelsSection = defineSection<ModelsRows>({
  id: 'models',
  title: 'AI models: inventory and weights integrity',
  controls: {
    soc2: ['CC6.1', 'CC7.2', 'CC8.1'],
    iso27001: [
      '5.9 Inventory of information and other associated assets',
      '8.9 Configuration management',
      '8.16 Monitoring activities',
    ],
    basis:
      'reasoned from row "Alert: config drift" and seed 001 ("the inventory of every model and where the weights live")',
  },
  read({ reads, period }) {
    const events = [
      ...reads.eventsNamed(EventNames.modelIntegrity, { fromMs: 0, toMs: period.toMs }).map((e) => ({
        ...e,
        eventName: EventNames.modelIntegrity,
      })),
      ...reads.eventsNamed(EventNames.modelChange, { fromMs: 0, toMs: period.toMs }).map((e) => ({
        ...e,
        eventName: EventNames.modelChange,
      })),
    ].sort((a, b) => a.tsMs - b.tsMs);
    const { models } = buildModelInventory({
      series: reads.modelSeries(),
      latestOf: (row) =>
        row.lastTsMs === null ? undefined : { tsMs: row.lastTsMs, value: row.lastValue ?? Number.NaN },
      events,
      keep: period,
    });
    return {
      models,
      integrityFailures: models.filter((m) => m.integrity.verdict !== 'ok').length,
      differingFromFleet: models.filter((m) => m.drift).length,
    };
  },
  markdown: (r) => [
    `${r.models.length} model(s) on ${new Set(r.models.map((m) => m.nodeId)).size} node(s) in the period; ${r.integrityFailures} with weights failing their integrity check, ${r.differingFromFleet} whose weights differ from the fleet majority for their name. Weights digest = SHA-256 of the weights file (for Ollama the model layer, not the manifest). File: models.csv`,
    '',
    ...markdownTable(
      ['Node', 'Model', 'Source', 'Weights SHA-256', 'Path', 'First seen', 'Last seen', 'Integrity', 'Fleet'],
      r.models.map((m) => [
        m.nodeId,
        m.name,
        m.source,
        m.digest,
        m.path,
        iso(m.firstSeenMs),
        iso(m.lastSeenMs),
        verdictText(m),
        m.drift ? 'DIFFERS' : 'majority',
      ]),
    ),
  ],
  csv: (r) => ({
    'models.csv': toCsv(
      [
        'node',
        'model',
        'source',
        'weights_sha256',
        'manifest_digest',
        'format',
        'quantization',
        'parameters',
        'path',
        'size_bytes',
        'first_seen',
        'last_seen',
        'integrity',
        'differs_from_fleet',
      ],
      r.models.map((m) => [
        m.nodeId,
        m.name,
        m.source,
        m.digest,
        m.manifestDigest,
        m.format,
        m.quantization,
        m.parameters,
        m.path,
        m.sizeBytes,
        iso(m.firstSeenMs),
        iso(m.lastSeenMs),
        verdictText(m),
        m.drift,
      ]),
    ),
  }),
});

function verdictText(m: ModelEntry): string {
  return m.integrity.verdict === 'ok'
    ? 'ok'
    : `${m.integrity.verdict.toUpperCase()} at ${iso(m.integrity.atMs)} (observed ${m.integrity.observed || '-'})`;
}
