import type { SqliteDatabase } from './db.ts';
import { createRowChain, type RowChain } from './row-chain.ts';

/**
 * Alert state in the store (migration 4). Invariant: the states and the history rows of one
 * evaluation are written in one transaction, so after a crash the store holds either the whole
 * cycle or none of it, and `lastSentAt` is saved with the state that caused the send. History and
 * notification rows are chained as they are written (store/row-chain.ts), so signed checkpoints
 * cover them (docs/integrity.md).
 */
/** Alert states as Prometheus keeps them (alerts/state.ts moves an alert between them). */
export type AlertState = 'pending' | 'firing' | 'inactive';

/** One alert instance: a rule and one label set, as it is kept across restarts. */
export interface AlertInstance {
  ruleKey: string;
  name: string;
  fingerprint: string;
  labels: Readonly<Record<string, string>>;
  annotations: Record<string, string>;
  value: number;
  state: AlertState;
  activeAtMs: number;
  firedAtMs: number | null;
  resolvedAtMs: number | null;
  keepFiringSinceMs: number | null;
  lastSentAtMs: number | null;
}

export interface Transition {
  alert: AlertInstance;
  from: AlertState | 'new';
  to: AlertState | 'forgotten';
  atMs: number;
}

export interface NotificationRecord {
  atMs: number;
  notifier: 'alertmanager' | 'webhook';
  target: string;
  attempt: number;
  outcome: 'sent' | 'retry' | 'failed';
  httpStatus: number | null;
  error: string | null;
  fingerprints: string[];
}

export interface HistoryRow {
  atMs: number;
  name: string;
  fingerprint: string;
  labels: Record<string, string>;
  from: string;
  to: string;
  value: number;
}

export interface AlertStore {
  loadStates(): AlertInstance[];
  saveCycle(
    alerts: readonly AlertInstance[],
    removed: readonly AlertInstance[],
    transitions: readonly Transition[],
  ): void;
  logNotification(record: NotificationRecord): void;
  history(limit: number): HistoryRow[];
  notifications(limit: number): Array<NotificationRecord & { id: number }>;
  /** The alert_history chain, for checkpoints and verify. */
  historyChain: Pick<RowChain, 'head' | 'rows'>;
  /** The alert_notifications chain, for checkpoints and verify. */
  notificationChain: Pick<RowChain, 'head' | 'rows'>;
}

/** The columns each chain commits to: every column but the id (which the link hashes itself). */
const HISTORY_CHAIN = {
  table: 'alert_history',
  links: 'alert_history_links',
  columns: ['at_ms', 'rule_key', 'name', 'fingerprint', 'labels_json', 'from_state', 'to_state', 'value'],
};
const NOTIFICATION_CHAIN = {
  table: 'alert_notifications',
  links: 'alert_notification_links',
  columns: [
    'at_ms',
    'notifier',
    'target',
    'attempt',
    'outcome',
    'http_status',
    'error',
    'alert_count',
    'fingerprints_json',
  ],
};

export function createAlertRows(db: SqliteDatabase): AlertStore {
  const historyChain = createRowChain(db, HISTORY_CHAIN);
  const notificationChain = createRowChain(db, NOTIFICATION_CHAIN);
  const upsert = db.prepare(
    `INSERT INTO alert_states (rule_key, fingerprint, name, labels_json, annotations_json, value, state,
       active_at_ms, fired_at_ms, resolved_at_ms, keep_firing_since_ms, last_sent_at_ms)
     VALUES (@ruleKey, @fingerprint, @name, @labels, @annotations, @value, @state,
       @activeAtMs, @firedAtMs, @resolvedAtMs, @keepFiringSinceMs, @lastSentAtMs)
     ON CONFLICT (rule_key, fingerprint) DO UPDATE SET annotations_json = excluded.annotations_json,
       value = excluded.value, state = excluded.state, active_at_ms = excluded.active_at_ms,
       fired_at_ms = excluded.fired_at_ms, resolved_at_ms = excluded.resolved_at_ms,
       keep_firing_since_ms = excluded.keep_firing_since_ms, last_sent_at_ms = excluded.last_sent_at_ms`,
  );
  const remove = db.prepare('DELETE FROM alert_states WHERE rule_key = ? AND fingerprint = ?');
  const addHistory = db.prepare(
    `INSERT INTO alert_history (at_ms, rule_key, name, fingerprint, labels_json, from_state, to_state, value)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const addNotification = db.prepare(
    `INSERT INTO alert_notifications (at_ms, notifier, target, attempt, outcome, http_status, error, alert_count, fingerprints_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const saveCycle = db.transaction(
    (
      alerts: readonly AlertInstance[],
      removed: readonly AlertInstance[],
      transitions: readonly Transition[],
    ) => {
      for (const alert of removed) {
        remove.run(alert.ruleKey, alert.fingerprint);
      }
      for (const alert of alerts) {
        upsert.run({
          ruleKey: alert.ruleKey,
          fingerprint: alert.fingerprint,
          name: alert.name,
          labels: JSON.stringify(alert.labels),
          annotations: JSON.stringify(alert.annotations),
          value: alert.value,
          state: alert.state,
          activeAtMs: alert.activeAtMs,
          firedAtMs: alert.firedAtMs,
          resolvedAtMs: alert.resolvedAtMs,
          keepFiringSinceMs: alert.keepFiringSinceMs,
          lastSentAtMs: alert.lastSentAtMs,
        });
      }
      for (const t of transitions) {
        if (t.from === 'inactive' && t.to === 'forgotten') {
          continue;
        }
        const added = addHistory.run(
          t.atMs,
          t.alert.ruleKey,
          t.alert.name,
          t.alert.fingerprint,
          JSON.stringify(t.alert.labels),
          t.from,
          t.to,
          t.alert.value,
        );
        historyChain.link(Number(added.lastInsertRowid));
      }
    },
  );
  const statements = {
    states: db.prepare('SELECT * FROM alert_states'),
    history: db.prepare('SELECT * FROM alert_history ORDER BY id DESC LIMIT ?'),
    notifications: db.prepare('SELECT * FROM alert_notifications ORDER BY id DESC LIMIT ?'),
  };
  return {
    loadStates() {
      const rows = statements.states.all() as Array<Record<string, unknown>>;
      return rows.map((row) => ({
        ruleKey: row['rule_key'] as string,
        name: row['name'] as string,
        fingerprint: row['fingerprint'] as string,
        labels: JSON.parse(row['labels_json'] as string) as Record<string, string>,
        annotations: JSON.parse(row['annotations_json'] as string) as Record<string, string>,
        value: row['value'] as number,
        state: row['state'] as AlertInstance['state'],
        activeAtMs: row['active_at_ms'] as number,
        firedAtMs: (row['fired_at_ms'] as number | null) ?? null,
        resolvedAtMs: (row['resolved_at_ms'] as number | null) ?? null,
        keepFiringSinceMs: (row['keep_firing_since_ms'] as number | null) ?? null,
        lastSentAtMs: (row['last_sent_at_ms'] as number | null) ?? null,
      }));
    },
    saveCycle: (alerts, removed, transitions) => saveCycle.immediate(alerts, removed, transitions),
    logNotification: db.transaction((r: NotificationRecord) => {
      const added = addNotification.run(
        r.atMs,
        r.notifier,
        r.target,
        r.attempt,
        r.outcome,
        r.httpStatus,
        r.error,
        r.fingerprints.length,
        JSON.stringify(r.fingerprints),
      );
      notificationChain.link(Number(added.lastInsertRowid));
    }),
    historyChain,
    notificationChain,
    history(limit) {
      const rows = statements.history.all(limit) as Array<Record<string, unknown>>;
      return rows.map((row) => ({
        atMs: row['at_ms'] as number,
        name: row['name'] as string,
        fingerprint: row['fingerprint'] as string,
        labels: JSON.parse(row['labels_json'] as string) as Record<string, string>,
        from: row['from_state'] as string,
        to: row['to_state'] as string,
        value: row['value'] as number,
      }));
    },
    notifications(limit) {
      const rows = statements.notifications.all(limit) as Array<Record<string, unknown>>;
      return rows.map((row) => ({
        id: row['id'] as number,
        atMs: row['at_ms'] as number,
        notifier: row['notifier'] as NotificationRecord['notifier'],
        target: row['target'] as string,
        attempt: row['attempt'] as number,
        outcome: row['outcome'] as NotificationRecord['outcome'],
        httpStatus: (row['http_status'] as number | null) ?? null,
        error: (row['error'] as string | null) ?? null,
        fingerprints: JSON.parse(row['fingerprints_json'] as string) as string[],
      }));
    },
  };
}
