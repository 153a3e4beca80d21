import { AttributeNames, EventNames } from '@perimeter/schema';
import type { SqliteDatabase } from '../store/db.ts';
import { createTokenRows } from '../store/token-rows.ts';
import type { Period } from './types.ts';

/**
 * Sections 3 to 5: credentials (the access review), changes (drift and its remediation) and
 * incidents (alerts and notifications). Time to remediate a drift is the time from the drift event
 * to the next config.drift event of the same check on the same node whose observed value equals
 * the expected one, looked for up to now (after the period too); none yet is "open".
 */
export const STALE_TOKEN_MS = 90 * 86_400_000;

export interface TokenReviewRow {
  id: string;
  subject: string;
  role: string;
  createdAtMs: number;
  revokedAtMs: number | null;
  lastUsedAtMs: number | null;
  statusAtEnd: 'active' | 'revoked';
  issuedInPeriod: boolean;
  revokedInPeriod: boolean;
  review: string;
}

export interface AuditRow {
  atMs: number;
  actor: string;
  action: string;
  detail: string;
}

export interface CredentialsSection {
  tokens: TokenReviewRow[];
  issued: number;
  revoked: number;
  activeAtEnd: number;
  flagged: number;
  audit: AuditRow[];
}

export function readCredentials(db: SqliteDatabase, period: Period): CredentialsSection {
  const tokens = createTokenRows(db)
    .list()
    .filter((t) => t.createdAtMs < period.toMs)
    .map((t): TokenReviewRow => {
      const revoked = t.revokedAtMs !== null && t.revokedAtMs < period.toMs;
      const notes: string[] = [];
      if (!revoked) {
        if (t.lastUsedAtMs === null) {
          notes.push('never used: confirm it is still needed');
        } else if (period.toMs - t.lastUsedAtMs > STALE_TOKEN_MS) {
          notes.push('unused for over 90 days: revoke unless needed');
        }
        if (t.role === 'admin') {
          notes.push('privileged (admin): confirm holder');
        }
      }
      return {
        id: t.id,
        subject: t.nodeId,
        role: t.role,
        createdAtMs: t.createdAtMs,
        revokedAtMs: revoked ? t.revokedAtMs : null,
        lastUsedAtMs: t.lastUsedAtMs,
        statusAtEnd: revoked ? 'revoked' : 'active',
        issuedInPeriod: t.createdAtMs >= period.fromMs,
        revokedInPeriod: revoked && (t.revokedAtMs as number) >= period.fromMs,
        review: notes.join('; ') || 'ok',
      };
    });
  const audit = (
    db
      .prepare(
        'SELECT at_ms, actor, action, detail_json FROM audit_log WHERE at_ms >= ? AND at_ms < ? ORDER BY id',
      )
      .all(period.fromMs, period.toMs) as Array<{
      at_ms: number;
      actor: string;
      action: string;
      detail_json: string;
    }>
  ).map((r) => ({ atMs: r.at_ms, actor: r.actor, action: r.action, detail: r.detail_json }));
  return {
    tokens,
    issued: tokens.filter((t) => t.issuedInPeriod).length,
    revoked: tokens.filter((t) => t.revokedInPeriod).length,
    activeAtEnd: tokens.filter((t) => t.statusAtEnd === 'active').length,
    flagged: tokens.filter((t) => t.review !== 'ok').length,
    audit,
  };
}

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

export interface ChangesSection {
  drifts: DriftRow[];
  remediated: number;
  open: number;
  medianTimeToRemediateMs: number | null;
  maxTimeToRemediateMs: number | null;
  returnsToExpected: number;
}

export function readChanges(db: SqliteDatabase, period: Period): ChangesSection {
  const events = (
    db
      .prepare(
        `SELECT node_id, ts_ms, attributes_json FROM events WHERE event_name = ? AND ts_ms >= ? ORDER BY ts_ms, id`,
      )
      .all(EventNames.configDrift, period.fromMs) as Array<{
      node_id: string;
      ts_ms: number;
      attributes_json: string;
    }>
  ).map((row) => {
    const a = JSON.parse(row.attributes_json) as Record<string, unknown>;
    return {
      atMs: row.ts_ms,
      nodeId: row.node_id,
      checkId: str(a[AttributeNames.checkId]),
      controls: str(a[AttributeNames.checkControls]),
      expected: str(a[AttributeNames.driftExpected]),
      observed: str(a[AttributeNames.driftObserved]),
      previous: str(a[AttributeNames.driftPrevious]),
    };
  });
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
}

export interface IncidentRow {
  name: string;
  fingerprint: string;
  labels: string;
  firedAtMs: number;
  resolvedAtMs: number | null;
  /** Until resolution, or until the end of the period while still firing. */
  durationMs: number;
  value: number;
}

export interface NotificationRow {
  atMs: number;
  notifier: string;
  target: string;
  attempt: number;
  outcome: string;
  httpStatus: number | null;
  error: string;
  alertCount: number;
}

export interface IncidentsSection {
  incidents: IncidentRow[];
  fired: number;
  resolved: number;
  stillFiring: number;
  notifications: NotificationRow[];
  notificationOutcomes: Array<{ notifier: string; outcome: string; count: number }>;
}

export function readIncidents(db: SqliteDatabase, period: Period): IncidentsSection {
  const history = db
    .prepare(
      'SELECT at_ms, name, fingerprint, labels_json, from_state, to_state, value FROM alert_history WHERE at_ms < ? ORDER BY at_ms, id',
    )
    .all(period.toMs) as Array<{
    at_ms: number;
    name: string;
    fingerprint: string;
    labels_json: string;
    from_state: string;
    to_state: string;
    value: number;
  }>;
  const open = new Map<string, IncidentRow>();
  const incidents: IncidentRow[] = [];
  for (const h of history) {
    if (h.to_state === 'firing') {
      const row: IncidentRow = {
        name: h.name,
        fingerprint: h.fingerprint,
        labels: h.labels_json,
        firedAtMs: h.at_ms,
        resolvedAtMs: null,
        durationMs: 0,
        value: h.value,
      };
      open.set(h.fingerprint, row);
      incidents.push(row);
    } else if (h.from_state === 'firing') {
      const row = open.get(h.fingerprint);
      if (row !== undefined) {
        row.resolvedAtMs = h.at_ms;
        open.delete(h.fingerprint);
      }
    }
  }
  const inPeriod = incidents.filter(
    (i) => i.firedAtMs >= period.fromMs || i.resolvedAtMs === null || i.resolvedAtMs >= period.fromMs,
  );
  for (const i of inPeriod) {
    i.durationMs = (i.resolvedAtMs ?? period.toMs) - i.firedAtMs;
  }
  const notifications = (
    db
      .prepare(
        `SELECT at_ms, notifier, target, attempt, outcome, http_status, error, alert_count FROM alert_notifications
         WHERE at_ms >= ? AND at_ms < ? ORDER BY id`,
      )
      .all(period.fromMs, period.toMs) as Array<{
      at_ms: number;
      notifier: string;
      target: string;
      attempt: number;
      outcome: string;
      http_status: number | null;
      error: string | null;
      alert_count: number;
    }>
  ).map((n) => ({
    atMs: n.at_ms,
    notifier: n.notifier,
    target: n.target,
    attempt: n.attempt,
    outcome: n.outcome,
    httpStatus: n.http_status,
    error: n.error ?? '',
    alertCount: n.alert_count,
  }));
  const outcomes = new Map<string, number>();
  for (const n of notifications) {
    const key = `${n.notifier}\u0000${n.outcome}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  return {
    incidents: inPeriod,
    fired: inPeriod.filter((i) => i.firedAtMs >= period.fromMs).length,
    resolved: inPeriod.filter((i) => i.resolvedAtMs !== null).length,
    stillFiring: inPeriod.filter((i) => i.resolvedAtMs === null).length,
    notifications,
    notificationOutcomes: [...outcomes].map(([key, count]) => {
      const [notifier, outcome] = key.split('\u0000') as [string, string];
      return { notifier, outcome, count };
    }),
  };
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}
