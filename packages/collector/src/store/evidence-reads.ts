import { ALERT_HISTORY_COLUMNS, type AlertTransition, alertTransitionOf } from './alert-history-rows.ts';
import type { SqliteDatabase } from './db.ts';
import { type ModelSeriesRow, readModelSeries } from './model-reads.ts';
import { parseResourceJson } from './node-resource.ts';
import { createTokenRows, type TokenRecord } from './token-rows.ts';

/**
 * The store as the evidence report reads it: typed, read-only queries over one period, on the
 * read-only connection `perimeter-collector evidence` opens beside a running collector. Each
 * method is one question a section asks; the SQL and the table layout stay here.
 */
export interface EvidencePeriod {
  fromMs: number;
  toMs: number;
}

export interface NodeRecord {
  nodeId: string;
  firstSeenMs: number;
  lastSeenMs: number;
  /** The node's newest OTel resource attributes; {} when none or unreadable. */
  resource: Record<string, unknown>;
}

export interface BatchArrival {
  atMs: number;
  signal: string;
}

/** One hour of a node's metric detail as summarised before retention pruned it. */
export interface ActivityHour {
  hourMs: number;
  intervalMs: number;
  intervalsWithData: number;
  batches: number;
}

export interface StoredEvent {
  nodeId: string;
  tsMs: number;
  attributes: Record<string, unknown>;
}

export interface AuditRecord {
  atMs: number;
  actor: string;
  action: string;
  /** The detail as stored (JSON text), so the report shows exactly what was recorded. */
  detailJson: string;
}

export interface NotificationAttempt {
  atMs: number;
  notifier: string;
  target: string;
  attempt: number;
  outcome: string;
  httpStatus: number | null;
  error: string | null;
  alertCount: number;
}

export interface PrunedTotal {
  nodeId: string;
  reason: string;
  batches: number;
  fromMs: number;
  toMs: number;
}

export interface EvidenceReads {
  /** Every node that has sent a batch, by node id. */
  nodes(): NodeRecord[];
  /** A node's batches received in the period, in arrival (id) order. */
  batchArrivals(nodeId: string, period: EvidencePeriod): BatchArrival[];
  /** A node's hourly activity summaries whose hour starts in the period. */
  activityHours(nodeId: string, period: EvidencePeriod): ActivityHour[];
  /** Sequence gaps detected on a node in the period. */
  gapCount(nodeId: string, period: EvidencePeriod): number;
  /** Events of one name by event time, from `fromMs` and (when given) before `toMs`. */
  eventsNamed(eventName: string, window: { fromMs: number; toMs?: number }): StoredEvent[];
  tokens(): TokenRecord[];
  /** Audit rows written in the period, in the order they were written. */
  audit(period: EvidencePeriod): AuditRecord[];
  /** Every alert state change before `toMs`, oldest first. */
  alertTransitionsBefore(toMs: number): AlertTransition[];
  /** Notification attempts made in the period, in the order they were made. */
  notifications(period: EvidencePeriod): NotificationAttempt[];
  /** What pruning removed, per node and reason. */
  prunedTotals(): PrunedTotal[];
  /** The perimeter.model.* series with their checkpointed newest samples (store/model-reads.ts). */
  modelSeries(): ModelSeriesRow[];
}

export function createEvidenceReads(db: SqliteDatabase): EvidenceReads {
  const statements = {
    nodes: db.prepare(
      'SELECT node_id, first_seen_ms, last_seen_ms, resource_json FROM nodes ORDER BY node_id',
    ),
    batchArrivals: db.prepare(
      'SELECT received_at_ms AS at, signal FROM batches WHERE node_id = ? AND received_at_ms >= ? AND received_at_ms < ? ORDER BY id',
    ),
    activity: db.prepare(
      'SELECT hour_ms, interval_ms, intervals_with_data, batches FROM node_activity WHERE node_id = ? AND hour_ms >= ? AND hour_ms < ?',
    ),
    gaps: db
      .prepare('SELECT count(*) FROM gaps WHERE node_id = ? AND detected_at_ms >= ? AND detected_at_ms < ?')
      .pluck(),
    eventsFrom: db.prepare(
      'SELECT node_id, ts_ms, attributes_json FROM events WHERE event_name = ? AND ts_ms >= ? ORDER BY ts_ms, id',
    ),
    eventsBetween: db.prepare(
      'SELECT node_id, ts_ms, attributes_json FROM events WHERE event_name = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id',
    ),
    audit: db.prepare(
      'SELECT at_ms, actor, action, detail_json FROM audit_log WHERE at_ms >= ? AND at_ms < ? ORDER BY id',
    ),
    transitions: db.prepare(
      `SELECT ${ALERT_HISTORY_COLUMNS} FROM alert_history WHERE at_ms < ? ORDER BY at_ms, id`,
    ),
    notifications: db.prepare(
      `SELECT at_ms, notifier, target, attempt, outcome, http_status, error, alert_count FROM alert_notifications
       WHERE at_ms >= ? AND at_ms < ? ORDER BY id`,
    ),
    pruned: db.prepare(
      `SELECT node_id, reason, sum(batch_count) AS batches, min(min_received_at_ms) AS from_ms, max(max_received_at_ms) AS to_ms
       FROM pruned_ranges GROUP BY node_id, reason ORDER BY node_id, reason`,
    ),
  };
  const eventRows = (rows: unknown[]): StoredEvent[] =>
    (rows as Array<{ node_id: string; ts_ms: number; attributes_json: string }>).map((row) => ({
      nodeId: row.node_id,
      tsMs: row.ts_ms,
      attributes: JSON.parse(row.attributes_json) as Record<string, unknown>,
    }));

  return {
    nodes: () =>
      (
        statements.nodes.all() as Array<{
          node_id: string;
          first_seen_ms: number;
          last_seen_ms: number;
          resource_json: string | null;
        }>
      ).map((row) => ({
        nodeId: row.node_id,
        firstSeenMs: row.first_seen_ms,
        lastSeenMs: row.last_seen_ms,
        resource: parseResourceJson(row.resource_json),
      })),
    batchArrivals: (nodeId, period) =>
      (
        statements.batchArrivals.all(nodeId, period.fromMs, period.toMs) as Array<{
          at: number;
          signal: string;
        }>
      ).map((row) => ({ atMs: row.at, signal: row.signal })),
    activityHours: (nodeId, period) =>
      (
        statements.activity.all(nodeId, period.fromMs, period.toMs) as Array<{
          hour_ms: number;
          interval_ms: number;
          intervals_with_data: number;
          batches: number;
        }>
      ).map((row) => ({
        hourMs: row.hour_ms,
        intervalMs: row.interval_ms,
        intervalsWithData: row.intervals_with_data,
        batches: row.batches,
      })),
    gapCount: (nodeId, period) => statements.gaps.get(nodeId, period.fromMs, period.toMs) as number,
    eventsNamed: (eventName, window) =>
      eventRows(
        window.toMs === undefined
          ? statements.eventsFrom.all(eventName, window.fromMs)
          : statements.eventsBetween.all(eventName, window.fromMs, window.toMs),
      ),
    modelSeries: () => readModelSeries(db),
    tokens: () => createTokenRows(db).list(),
    audit: (period) =>
      (
        statements.audit.all(period.fromMs, period.toMs) as Array<{
          at_ms: number;
          actor: string;
          action: string;
          detail_json: string;
        }>
      ).map((row) => ({
        atMs: row.at_ms,
        actor: row.actor,
        action: row.action,
        detailJson: row.detail_json,
      })),
    alertTransitionsBefore: (toMs) => statements.transitions.all(toMs).map(alertTransitionOf),
    notifications: (period) =>
      (
        statements.notifications.all(period.fromMs, period.toMs) as Array<{
          at_ms: number;
          notifier: string;
          target: string;
          attempt: number;
          outcome: string;
          http_status: number | null;
          error: string | null;
          alert_count: number;
        }>
      ).map((row) => ({
        atMs: row.at_ms,
        notifier: row.notifier,
        target: row.target,
        attempt: row.attempt,
        outcome: row.outcome,
        httpStatus: row.http_status,
        error: row.error,
        alertCount: row.alert_count,
      })),
    prunedTotals: () =>
      (
        statements.pruned.all() as Array<{
          node_id: string;
          reason: string;
          batches: number;
          from_ms: number;
          to_ms: number;
        }>
      ).map((row) => ({
        nodeId: row.node_id,
        reason: row.reason,
        batches: row.batches,
        fromMs: row.from_ms,
        toMs: row.to_ms,
      })),
  };
}
