import { AttributeNames, EventNames, MetricNames, ResourceAttributeNames } from '@perimeter/schema';
import { createAlertStore } from '../alerts/alert-store.ts';
import type { SqliteDatabase } from '../store/db.ts';
import type { Store } from '../store/store.ts';
import { listTokens } from '../tokens/token-store.ts';

/**
 * One row per node for the fleet page and its JSON refresh: every node that has sent a batch,
 * plus every node with a live node token that never has ("never seen"). Current readings come
 * from the in-memory newest values /metrics also serves, and count only while fresh (a silent
 * node's last temperature is not "now"). Failed logins are counted over events received in the
 * last two hours whose own time is in the last hour, found by rowid range (events have no time
 * index), so the fleet refresh never scans the whole table.
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
  driftFailing: number;
  firingAlerts: string[];
}

export interface FleetOptions {
  nowMs: number;
  /** A node with no batch for longer than this is silent (the NodeDown rule's 60 s). */
  silentAfterMs?: number;
}

export const SILENT_AFTER_MS = 60_000;
const HOUR_MS = 3_600_000;

export function readFleet(store: Store, options: FleetOptions): FleetRow[] {
  const now = options.nowMs;
  const silentAfterMs = options.silentAfterMs ?? SILENT_AFTER_MS;
  const rows = new Map<string, FleetRow>();
  const blank = (nodeId: string): FleetRow => ({
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
    driftFailing: 0,
    firingAlerts: [],
  });
  for (const node of store.nodes()) {
    const row = blank(node.nodeId);
    const resource = parseResource(node.resourceJson);
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
  for (const token of listTokens(store)) {
    if (token.role === 'node' && token.revokedAtMs === null && !rows.has(token.nodeId)) {
      rows.set(token.nodeId, blank(token.nodeId));
    }
  }

  for (const [seriesId, sample] of store.latest.entries()) {
    const series = store.series.get(seriesId);
    const row = series === undefined ? undefined : rows.get(series.nodeId);
    if (series === undefined || row === undefined || !Number.isFinite(sample.value)) {
      continue;
    }
    const fresh = row.status === 'up' && now - sample.tsMs <= Math.max(silentAfterMs, 5 * 60_000);
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

  for (const [nodeId, count] of failedLoginsSince(store.db, now - HOUR_MS, now - 2 * HOUR_MS)) {
    const row = rows.get(nodeId);
    if (row) {
      row.failedLoginsLastHour = count;
    }
  }
  for (const alert of createAlertStore(store.db).loadStates()) {
    const row = alert.labels['node'] === undefined ? undefined : rows.get(alert.labels['node']);
    if (row && alert.state === 'firing') {
      row.firingAlerts.push(alert.name);
    }
  }
  return [...rows.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}

function failedLoginsSince(
  db: SqliteDatabase,
  sinceMs: number,
  receivedSinceMs: number,
): Map<string, number> {
  const firstBatch = firstIdWhere(
    db,
    'SELECT received_at_ms AS v FROM batches WHERE id >= ? ORDER BY id LIMIT 1',
    receivedSinceMs,
  );
  const counts = new Map<string, number>();
  if (firstBatch === null) {
    return counts;
  }
  // events.id grows with batch_id (both written in the ingest transaction).
  const firstEvent = firstIdWhere(
    db,
    'SELECT batch_id AS v FROM events WHERE id >= ? ORDER BY id LIMIT 1',
    firstBatch,
  );
  if (firstEvent === null) {
    return counts;
  }
  const rows = db
    .prepare(
      `SELECT node_id, count(*) AS n FROM events
       WHERE id >= ? AND event_name = ? AND ts_ms >= ? AND json_extract(attributes_json, '$."${AttributeNames.authOutcome}"') = 'failure'
       GROUP BY node_id`,
    )
    .all(firstEvent, EventNames.authLogin, sinceMs) as Array<{ node_id: string; n: number }>;
  for (const row of rows) {
    counts.set(row.node_id, row.n);
  }
  return counts;
}

/**
 * The smallest rowid whose column value (non-decreasing in rowid) is at least `atLeast`, by binary
 * search over rowids: log2(rows) point reads. Null when no row qualifies.
 */
function firstIdWhere(db: SqliteDatabase, valueAtOrAfterId: string, atLeast: number): number | null {
  const table = /FROM (\w+)/.exec(valueAtOrAfterId)?.[1] as string;
  const bounds = db.prepare(`SELECT min(id) AS lo, max(id) AS hi FROM ${table}`).get() as {
    lo: number | null;
    hi: number | null;
  };
  if (bounds.lo === null || bounds.hi === null) {
    return null;
  }
  const valueAt = db.prepare(valueAtOrAfterId.replace('SELECT', 'SELECT id,'));
  const at = (p: number) => valueAt.get(p) as { id: number; v: number };
  if (at(bounds.hi).v < atLeast) {
    return null;
  }
  // f(p) = value of the first row with id >= p is non-decreasing in p: find the smallest p with f(p) >= atLeast.
  let lo = bounds.lo;
  let hi = bounds.hi;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (at(mid).v >= atLeast) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return at(lo).id;
}

function parseResource(json: string | null): Record<string, unknown> {
  if (json === null) {
    return {};
  }
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function stringOf(value: unknown): string | null {
  return value === undefined || value === null || value === '' ? null : String(value);
}
