import { AttributeNames, MetricNames, ResourceAttributeNames } from '@perimeter/schema';
import type { ConsoleReads } from '../store/console-reads.ts';
import type { LatestSample } from '../store/latest-values.ts';
import { parseResourceJson } from '../store/node-resource.ts';
import type { SeriesInfo } from '../store/series-index.ts';
import type { Store } from '../store/store.ts';

/**
 * One row per node for the fleet page and its JSON refresh: every node that has sent a batch,
 * plus every node with a live node token that never has ("never seen"). Current readings come
 * from the in-memory newest values /metrics also serves, and count only while fresh (a silent
 * node's last temperature is not "now"). Failed logins are counted over events received in the
 * last two hours whose own time is in the last hour (store/console-reads.ts), so the fleet refresh
 * never scans the whole table. The node page asks for its one node: every read is narrowed to it.
 */
export type NodeStatus = 'up' | 'silent' | 'never-seen';

export interface FleetRow {
  nodeId: string;
  hostName: string | null;
  status: NodeStatus;
  lastSeenMs: number | null;
  model: string | null;
  os: string | null;
  hottest: { sensor: string; celsius: number } | null;
  fanRpm: { max: number; fans: number } | null;
  gpuUtilization: number | null;
  failedLoginsLastHour: number;
  /**
   * Login sources the node says it cannot read (`perimeter.source.up` at 0): its failed-login count
   * is then not a count of what happened, and the fleet page marks it (LoginSourceBlind pages).
   */
  blindLoginSources: string[];
  driftFailing: number;
  firingAlerts: string[];
}

export interface FleetOptions {
  nowMs: number;
  /** A node with no batch for longer than this is silent (the NodeDown rule's 60 s). */
  silentAfterMs?: number;
}

/** What the fleet rows are read from: the store's in-memory node and series state, and its console reads. */
export interface FleetSource {
  store: Pick<Store, 'nodes' | 'latest' | 'series' | 'tokens'>;
  reads: ConsoleReads;
}

export const SILENT_AFTER_MS = 60_000;
const HOUR_MS = 3_600_000;

export function readFleet(source: FleetSource, options: FleetOptions): FleetRow[] {
  return [...readRows(source, options, undefined).values()].sort((a, b) =>
    a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0,
  );
}

/** One node's fleet row, read for that node only; undefined when the collector does not know it. */
export function readFleetNode(
  source: FleetSource,
  nodeId: string,
  options: FleetOptions,
): FleetRow | undefined {
  return readRows(source, options, nodeId).get(nodeId);
}

function readRows(
  source: FleetSource,
  options: FleetOptions,
  only: string | undefined,
): Map<string, FleetRow> {
  const { store, reads } = source;
  const now = options.nowMs;
  const silentAfterMs = options.silentAfterMs ?? SILENT_AFTER_MS;
  const wanted = (nodeId: string) => only === undefined || nodeId === only;
  const rows = new Map<string, FleetRow>();
  for (const node of store.nodes()) {
    if (!wanted(node.nodeId)) {
      continue;
    }
    const row = blankRow(node.nodeId);
    const resource = parseResourceJson(node.resourceJson);
    row.hostName = stringOf(resource[ResourceAttributeNames.hostName]);
    row.model = stringOf(resource[ResourceAttributeNames.hostModel]);
    const os = [resource[ResourceAttributeNames.osType], resource[ResourceAttributeNames.osVersion]]
      .map(stringOf)
      .filter((part) => part !== null)
      .join(' ');
    row.os = os === '' ? null : os;
    row.lastSeenMs = node.lastSeenMs;
    row.status = now - node.lastSeenMs > silentAfterMs ? 'silent' : 'up';
    rows.set(node.nodeId, row);
  }
  for (const token of store.tokens.list()) {
    if (
      token.role === 'node' &&
      token.revokedAtMs === null &&
      wanted(token.nodeId) &&
      !rows.has(token.nodeId)
    ) {
      rows.set(token.nodeId, blankRow(token.nodeId));
    }
  }

  for (const [series, sample] of latestSamples(store, only)) {
    const row = rows.get(series.nodeId);
    if (row !== undefined && Number.isFinite(sample.value)) {
      observeLatest(row, series, sample, now - sample.tsMs <= Math.max(silentAfterMs, 5 * 60_000));
    }
  }

  const failed = reads.failedLoginsByNode({
    sinceMs: now - HOUR_MS,
    receivedSinceMs: now - 2 * HOUR_MS,
    nodeId: only,
  });
  for (const [nodeId, count] of failed) {
    const row = rows.get(nodeId);
    if (row) {
      row.failedLoginsLastHour = count;
    }
  }
  for (const [nodeId, names] of reads.firingAlertsByNode(only)) {
    const row = rows.get(nodeId);
    if (row) {
      row.firingAlerts.push(...names);
    }
  }
  return rows;
}

/** The newest sample of every series (of one node, when `only` is given). */
function* latestSamples(
  store: FleetSource['store'],
  only: string | undefined,
): Generator<[SeriesInfo, LatestSample]> {
  if (only === undefined) {
    for (const [seriesId, sample] of store.latest.entries()) {
      const series = store.series.get(seriesId);
      if (series !== undefined) {
        yield [series, sample];
      }
    }
    return;
  }
  for (const series of store.series.all()) {
    const sample = series.nodeId === only ? store.latest.get(series.id) : undefined;
    if (sample !== undefined) {
      yield [series, sample];
    }
  }
}

/** Folds one current reading into the row; a reading counts as "now" only while fresh and the node is up. */
function observeLatest(row: FleetRow, series: SeriesInfo, sample: LatestSample, recent: boolean): void {
  const fresh = row.status === 'up' && recent;
  const sensor = String(
    series.attributes[AttributeNames.hwName] ?? series.attributes[AttributeNames.hwId] ?? '',
  );
  switch (series.metric) {
    case MetricNames.hwTemperature:
      if (fresh && (row.hottest === null || sample.value > row.hottest.celsius)) {
        row.hottest = { sensor, celsius: sample.value };
      }
      break;
    case MetricNames.hwFanSpeed:
      if (fresh) {
        row.fanRpm = {
          max: Math.max(row.fanRpm?.max ?? Number.NEGATIVE_INFINITY, sample.value),
          fans: (row.fanRpm?.fans ?? 0) + 1,
        };
      }
      break;
    case MetricNames.hwGpuUtilization:
      if (fresh) {
        row.gpuUtilization = Math.max(row.gpuUtilization ?? 0, sample.value);
      }
      break;
    case MetricNames.sourceUp: {
      // The newest word stands, fresh or not: a blind node that went silent is still blind.
      const source = String(series.attributes[AttributeNames.sourceName] ?? '');
      const whole = (series.attributes[AttributeNames.sourceReason] ?? '') === '';
      if (whole && sample.value === 0 && source.startsWith('logins')) row.blindLoginSources.push(source);
      break;
    }
    case MetricNames.driftCheck:
      // The newest verdict stands until the node says otherwise, fresh or not.
      if (sample.value === 0) {
        row.driftFailing++;
      }
      break;
    default:
      break;
  }
}

/** A node's row before anything is known about it. */
export function blankRow(nodeId: string): FleetRow {
  return {
    nodeId,
    hostName: null,
    status: 'never-seen',
    lastSeenMs: null,
    model: null,
    os: null,
    hottest: null,
    fanRpm: null,
    gpuUtilization: null,
    failedLoginsLastHour: 0,
    blindLoginSources: [],
    driftFailing: 0,
    firingAlerts: [],
  };
}

function stringOf(value: unknown): string | null {
  return value === undefined || value === null || value === '' ? null : String(value);
}
