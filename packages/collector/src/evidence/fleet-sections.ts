import { AttributeNames, EventNames, ResourceAttributeNames } from '@perimeter/schema';
import type { SqliteDatabase } from '../store/db.ts';
import { usualIntervalMs } from './retention.ts';
import type { Period } from './types.ts';

/**
 * Sections 1 and 2: what the fleet is and who logged in. Coverage is the share of the period's
 * intervals (the node's usual spacing of metric batches, their median gap) that hold at least one
 * stored batch; for hours whose metric detail retention has pruned, the hourly activity summary
 * written before the prune stands in (rescaled if its interval differs).
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

export function readInventory(db: SqliteDatabase, period: Period): InventoryRow[] {
  const nodes = db
    .prepare('SELECT node_id, first_seen_ms, last_seen_ms, resource_json FROM nodes ORDER BY node_id')
    .all() as Array<{
    node_id: string;
    first_seen_ms: number;
    last_seen_ms: number;
    resource_json: string | null;
  }>;
  const batchTimes = db.prepare(
    `SELECT received_at_ms AS at, signal FROM batches WHERE node_id = ? AND received_at_ms >= ? AND received_at_ms < ? ORDER BY id`,
  );
  const activity = db.prepare(
    'SELECT hour_ms, interval_ms, intervals_with_data, batches FROM node_activity WHERE node_id = ? AND hour_ms >= ? AND hour_ms < ?',
  );
  const gaps = db
    .prepare('SELECT count(*) FROM gaps WHERE node_id = ? AND detected_at_ms >= ? AND detected_at_ms < ?')
    .pluck();
  return nodes.map((node) => {
    const resource = parseResource(node.resource_json);
    const rows = batchTimes.all(node.node_id, period.fromMs, period.toMs) as Array<{
      at: number;
      signal: string;
    }>;
    const summarised = activity.all(node.node_id, period.fromMs, period.toMs) as Array<{
      hour_ms: number;
      interval_ms: number;
      intervals_with_data: number;
      batches: number;
    }>;
    const metricTimes = rows.filter((r) => r.signal === 'metrics').map((r) => r.at);
    const intervalMs =
      metricTimes.length >= 2
        ? usualIntervalMs(metricTimes)
        : rows.length >= 2
          ? usualIntervalMs(rows.map((r) => r.at))
          : (summarised[0]?.interval_ms ?? 60_000);
    const covered = new Set<number>();
    const metricHours = new Set<number>();
    for (const row of rows) {
      covered.add(Math.floor((row.at - period.fromMs) / intervalMs));
      if (row.signal === 'metrics') {
        metricHours.add(Math.floor(row.at / HOUR_MS) * HOUR_MS);
      }
    }
    let fromSummaries = 0;
    for (const hour of summarised) {
      if (!metricHours.has(hour.hour_ms)) {
        fromSummaries += Math.round((hour.intervals_with_data * hour.interval_ms) / intervalMs);
      }
    }
    const intervalsInPeriod = Math.max(1, Math.ceil((period.toMs - period.fromMs) / intervalMs));
    const intervalsWithData = Math.min(intervalsInPeriod, covered.size + fromSummaries);
    return {
      nodeId: node.node_id,
      hostName: text(resource[ResourceAttributeNames.hostName]),
      hardwareModel: text(resource[ResourceAttributeNames.hostModel]),
      osType: text(resource[ResourceAttributeNames.osType]),
      osVersion: text(resource[ResourceAttributeNames.osVersion]),
      agentVersion: text(resource[ResourceAttributeNames.serviceVersion]),
      firstSeenMs: node.first_seen_ms,
      lastSeenMs: node.last_seen_ms,
      intervalMs,
      intervalsWithData,
      intervalsInPeriod,
      coveragePct: Math.round((intervalsWithData / intervalsInPeriod) * 1000) / 10,
      batchesInPeriod:
        rows.length + summarised.reduce((sum, h) => sum + (metricHours.has(h.hour_ms) ? 0 : h.batches), 0),
      seqGapsInPeriod: gaps.get(node.node_id, period.fromMs, period.toMs) as number,
    };
  });
}

export interface LoginRow {
  atMs: number;
  nodeId: string;
  user: string;
  method: string;
  outcome: string;
  source: string;
}

export interface LoginGroup {
  nodeId: string;
  user: string;
  method: string;
  outcome: string;
  count: number;
  firstMs: number;
  lastMs: number;
}

export interface AccessSection {
  logins: LoginRow[];
  groups: LoginGroup[];
  total: number;
  failures: number;
  failureRatePct: number;
  failuresByNode: Array<{ nodeId: string; failures: number }>;
  failuresByUser: Array<{ user: string; failures: number }>;
  failureSources: Array<{ source: string; failures: number }>;
  /** The most failures in any 5-minute window, and where it starts. */
  peakFailures5m: { count: number; startMs: number | null };
}

export function readAccess(db: SqliteDatabase, period: Period): AccessSection {
  const logins = (
    db
      .prepare(
        `SELECT node_id, ts_ms, attributes_json FROM events WHERE event_name = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id`,
      )
      .all(EventNames.authLogin, period.fromMs, period.toMs) as Array<{
      node_id: string;
      ts_ms: number;
      attributes_json: string;
    }>
  ).map((row): LoginRow => {
    const a = JSON.parse(row.attributes_json) as Record<string, unknown>;
    return {
      atMs: row.ts_ms,
      nodeId: row.node_id,
      user: text(a[AttributeNames.userName]),
      method: text(a[AttributeNames.authMethod]),
      outcome: text(a[AttributeNames.authOutcome]),
      source: text(a[AttributeNames.sourceAddress]),
    };
  });
  const groups = new Map<string, LoginGroup>();
  for (const l of logins) {
    const key = JSON.stringify([l.nodeId, l.user, l.method, l.outcome]);
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, {
        nodeId: l.nodeId,
        user: l.user,
        method: l.method,
        outcome: l.outcome,
        count: 1,
        firstMs: l.atMs,
        lastMs: l.atMs,
      });
    } else {
      g.count++;
      g.lastMs = l.atMs;
    }
  }
  const failures = logins.filter((l) => l.outcome === 'failure');
  const tally = (key: (l: LoginRow) => string) => {
    const counts = new Map<string, number>();
    for (const l of failures) {
      counts.set(key(l), (counts.get(key(l)) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  };
  let peak = { count: 0, startMs: null as number | null };
  for (let i = 0, j = 0; i < failures.length; i++) {
    while ((failures[i] as LoginRow).atMs - (failures[j] as LoginRow).atMs >= 300_000) {
      j++;
    }
    if (i - j + 1 > peak.count) {
      peak = { count: i - j + 1, startMs: (failures[j] as LoginRow).atMs };
    }
  }
  return {
    logins,
    groups: [...groups.values()].sort(
      (a, b) =>
        a.nodeId.localeCompare(b.nodeId) ||
        a.user.localeCompare(b.user) ||
        a.method.localeCompare(b.method) ||
        a.outcome.localeCompare(b.outcome),
    ),
    total: logins.length,
    failures: failures.length,
    failureRatePct: logins.length === 0 ? 0 : Math.round((failures.length / logins.length) * 1000) / 10,
    failuresByNode: tally((l) => l.nodeId).map(([nodeId, n]) => ({ nodeId, failures: n })),
    failuresByUser: tally((l) => l.user).map(([user, n]) => ({ user, failures: n })),
    failureSources: tally((l) => l.source).map(([source, n]) => ({ source, failures: n })),
    peakFailures5m: peak,
  };
}

function parseResource(json: string | null): Record<string, unknown> {
  if (json === null) {
    return {};
  }
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}
