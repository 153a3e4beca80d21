import { AttributeNames, EventNames, MetricNames } from '@perimeter/schema';
import type { AttributeValue } from '../otlp/types.ts';
import type { DriftObservation } from './fleet-drift.ts';
import { compareText, type DriftCheckSummary, summarizeFleetDrift } from './fleet-drift-summary.ts';

/**
 * The fleet's models as the agents last reported them (`perimeter.model.info`, one series per
 * model): one entry per node × model × weights digest, with its size, when the collector first and
 * last saw it, and its integrity verdict; and per model name, the weights digest most of the fleet
 * holds and the nodes that differ. /api/v1/models, /metrics, the console and evidence all read
 * this one function, so they agree by construction.
 */
export interface ModelEntry {
  nodeId: string;
  name: string;
  source: string;
  /** Weights SHA-256. */
  digest: string;
  manifestDigest: string;
  format: string;
  quantization: string;
  parameters: string;
  path: string;
  sizeBytes: number | null;
  /** When the collector first stored this node × model × digest (its receive time). */
  firstSeenMs: number;
  /** The time of the newest inventory round that reported it (the agent's clock). */
  lastSeenMs: number;
  /** `ok`: no integrity failure since the model was (re)placed; else the newest failure. */
  integrity: IntegrityVerdict;
  /** True when the fleet has a majority digest for this name and this entry's differs. */
  drift: boolean;
}

export type IntegrityVerdict =
  | { verdict: 'ok' }
  | { verdict: 'mismatch' | 'unreadable'; atMs: number; expected: string; observed: string; path: string };

export interface ModelFleetSummary {
  name: string;
  /** Nodes reporting the name (a node holding two digests counts once per digest). */
  nodeCount: number;
  majority: string | null;
  majorityNodes: number | null;
  digests: Array<{ digest: string; nodes: number }>;
  outliers: Array<{ nodeId: string; digest: string }>;
}

export interface ModelInventory {
  models: ModelEntry[];
  fleet: ModelFleetSummary[];
}

/**
 * A model is current on a node when its last sample belongs to the node's newest inventory round
 * (within this slack of the node's newest `perimeter.model.info` sample): a removed model's series
 * simply stops, and the next round leaves it behind. A node that went silent keeps its last round.
 */
const ROUND_SLACK_MS = 30_000;

/** A `perimeter.model.*` series as the store keeps it (store/model-reads.ts reads them). */
export interface ModelSeriesRow {
  seriesId: number;
  nodeId: string;
  metric: string;
  attributes: Record<string, AttributeValue>;
  firstSeenMs: number;
  /** The newest sample as last checkpointed (store/latest-values.ts); null before the first. */
  lastTsMs: number | null;
  lastValue: number | null;
}

/** What the live inventory reads: the running store satisfies it (its model reads and latest values). */
export interface ModelInventorySource {
  models: {
    series(): readonly ModelSeriesRow[];
    eventsByName(query: { names: readonly string[] }): ModelInventoryInput['events'];
  };
  latest: { get(seriesId: number): { tsMs: number; value: number } | undefined };
}

/** The fleet's models now: each node's newest inventory round, from the live latest values. */
export function readModelInventory(store: ModelInventorySource): ModelInventory {
  return buildModelInventory({
    series: store.models.series(),
    latestOf: (row) => store.latest.get(row.seriesId),
    events: store.models.eventsByName({ names: [EventNames.modelIntegrity, EventNames.modelChange] }),
    keep: 'newest-round',
  });
}

export interface ModelInventoryInput {
  series: readonly ModelSeriesRow[];
  latestOf(row: ModelSeriesRow): { tsMs: number; value: number } | undefined;
  /** model.integrity and model.change events, oldest first. */
  events: ReadonlyArray<{
    nodeId: string;
    tsMs: number;
    eventName: string;
    attributes: Record<string, unknown>;
  }>;
  /**
   * `newest-round`: what each node holds now. A period: every model seen in it (an audit period
   * includes models removed during it).
   */
  keep: 'newest-round' | { fromMs: number; toMs: number };
}

export function buildModelInventory(input: ModelInventoryInput): ModelInventory {
  const rows = input.series;
  const sizes = new Map<string, number>();
  for (const row of rows) {
    if (row.metric !== MetricNames.modelSize) continue;
    const sample = input.latestOf(row);
    if (sample) sizes.set(identity(row.nodeId, row.attributes), sample.value);
  }
  const info = rows
    .filter((row) => row.metric === MetricNames.modelInfo)
    .map((row) => ({ row, sample: input.latestOf(row) }))
    .filter((x) => x.sample !== undefined) as Array<{
    row: ModelSeriesRow;
    sample: { tsMs: number; value: number };
  }>;
  const newestRound = new Map<string, number>();
  for (const { row, sample } of info) {
    newestRound.set(row.nodeId, Math.max(newestRound.get(row.nodeId) ?? -Infinity, sample.tsMs));
  }
  const { keep } = input;
  const kept = ({ row, sample }: { row: ModelSeriesRow; sample: { tsMs: number } }) =>
    keep === 'newest-round'
      ? sample.tsMs >= (newestRound.get(row.nodeId) as number) - ROUND_SLACK_MS
      : sample.tsMs >= keep.fromMs && row.firstSeenMs < keep.toMs;
  const verdicts = integrityVerdicts(input.events);
  const models: ModelEntry[] = info
    .filter(kept)
    .map(({ row, sample }) => {
      const a = row.attributes;
      const name = text(a[AttributeNames.modelName]);
      return {
        nodeId: row.nodeId,
        name,
        source: text(a[AttributeNames.modelSource]),
        digest: text(a[AttributeNames.modelDigest]),
        manifestDigest: text(a[AttributeNames.modelManifestDigest]),
        format: text(a[AttributeNames.modelFormat]),
        quantization: text(a[AttributeNames.modelQuantization]),
        parameters: text(a[AttributeNames.modelParameters]),
        path: text(a[AttributeNames.modelPath]),
        sizeBytes: sizes.get(identity(row.nodeId, a)) ?? null,
        firstSeenMs: row.firstSeenMs,
        lastSeenMs: sample.tsMs,
        integrity: verdicts.get(key(row.nodeId, name)) ?? { verdict: 'ok' },
        drift: false,
      };
    })
    .sort(
      (x, y) => compareText(x.nodeId, y.nodeId) || compareText(x.name, y.name) || compareText(x.path, y.path),
    );

  const summaries = summarizeFleetDrift(
    models.map(
      (m): DriftObservation => ({
        nodeId: m.nodeId,
        checkId: m.name,
        observed: m.digest,
        expected: '',
        controls: '',
        observedSinceMs: m.firstSeenMs,
      }),
    ),
  );
  const fleet = summaries.map(toFleetSummary);
  const outliers = new Set(
    fleet.flatMap((f) => f.outliers.map((o) => `${key(o.nodeId, f.name)}\u0000${o.digest}`)),
  );
  for (const model of models) {
    model.drift = outliers.has(`${key(model.nodeId, model.name)}\u0000${model.digest}`);
  }
  return { models, fleet };
}

function toFleetSummary(check: DriftCheckSummary): ModelFleetSummary {
  return {
    name: check.checkId,
    nodeCount: check.nodeCount,
    majority: check.majority,
    majorityNodes: check.majorityNodes,
    digests: check.values.map((v) => ({ digest: v.observed, nodes: v.nodes })),
    outliers: check.outliers.map((o) => ({ nodeId: o.nodeId, digest: o.observed })),
  };
}

/** The newest integrity failure per (node, model name), unless a model.change for it came later. */
function integrityVerdicts(events: ModelInventoryInput['events']): Map<string, IntegrityVerdict> {
  const verdicts = new Map<string, IntegrityVerdict>();
  for (const event of events) {
    const a = event.attributes;
    const k = key(event.nodeId, text(a[AttributeNames.modelName]));
    if (event.eventName === EventNames.modelChange) {
      verdicts.delete(k);
      continue;
    }
    if (event.eventName !== EventNames.modelIntegrity) continue;
    verdicts.set(k, {
      verdict: a[AttributeNames.integrityOutcome] === 'unreadable' ? 'unreadable' : 'mismatch',
      atMs: event.tsMs,
      expected: text(a[AttributeNames.integrityExpected]),
      observed: text(a[AttributeNames.integrityObserved]),
      path: text(a[AttributeNames.modelPath]),
    });
  }
  return verdicts;
}

function identity(nodeId: string, attributes: Record<string, unknown>): string {
  return `${nodeId}\u0000${JSON.stringify(Object.entries(attributes).sort(([a], [b]) => compareText(a, b)))}`;
}

function key(nodeId: string, name: string): string {
  return `${nodeId}\u0000${name}`;
}

function text(value: unknown): string {
  return value === undefined ? '' : String(value);
}
