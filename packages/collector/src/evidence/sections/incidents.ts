import type { NotificationAttempt } from '../../store/evidence-reads.ts';
import { iso, toCsv } from '../render-csv.ts';
import { duration, markdownTable } from '../render-markdown.ts';
import { defineSection } from '../section.ts';

/**
 * Alerts that fired in the period (or fired before it and were still firing), each with how long
 * it lasted, and every notification attempt with its outcome.
 */
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

/** A notification attempt as the store holds it (evidence-reads), with no error written as ''. */
export interface NotificationRow extends Omit<NotificationAttempt, 'error'> {
  error: string;
}

export interface IncidentsRows {
  incidents: IncidentRow[];
  fired: number;
  resolved: number;
  stillFiring: number;
  notifications: NotificationRow[];
  notificationOutcomes: Array<{ notifier: string; outcome: string; count: number }>;
}

/** The cells an incident opens with in both the report table and alerts.csv. */
function incidentCells(i: IncidentRow): string[] {
  return [i.name, i.labels, iso(i.firedAtMs), i.resolvedAtMs === null ? 'open' : iso(i.resolvedAtMs)];
}

/** The cells a notification attempt opens with in both the report table and notifications.csv. */
function notificationCells(n: NotificationRow): Array<string | number> {
  return [iso(n.atMs), n.notifier, n.target, n.attempt, n.outcome];
}

export const incidentsSection = defineSection<IncidentsRows>({
  id: 'incidents',
  title: 'Incidents: alerts and notifications',
  controls: {
    soc2: ['CC7.2', 'CC7.3', 'CC7.4', 'A1.2'],
    iso27001: [
      '8.16 Monitoring activities',
      '5.30 ICT readiness for business continuity',
      '8.14 Redundancy of information processing facilities',
    ],
    basis: 'rows "Alert: node down", "Alert: thermal limits" and "Alert: auth-failure spike"',
  },
  read({ reads, period }) {
    const open = new Map<string, IncidentRow>();
    const incidents: IncidentRow[] = [];
    for (const h of reads.alertTransitionsBefore(period.toMs)) {
      if (h.to === 'firing') {
        const row: IncidentRow = {
          name: h.name,
          fingerprint: h.fingerprint,
          labels: h.labelsJson,
          firedAtMs: h.atMs,
          resolvedAtMs: null,
          durationMs: 0,
          value: h.value,
        };
        open.set(h.fingerprint, row);
        incidents.push(row);
      } else if (h.from === 'firing') {
        const row = open.get(h.fingerprint);
        if (row !== undefined) {
          row.resolvedAtMs = h.atMs;
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
    const notifications = reads.notifications(period).map((n) => ({ ...n, error: n.error ?? '' }));
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
  },
  markdown: (inc) => [
    `${inc.fired} alert(s) fired in the period, ${inc.resolved} resolved, ${inc.stillFiring} still firing at its end. ${inc.notifications.length} notification attempt(s): ${inc.notificationOutcomes.map((o) => `${o.notifier} ${o.outcome} ${o.count}`).join(', ') || 'none'}. Files: alerts.csv, notifications.csv`,
    '',
    ...markdownTable(
      ['Alert', 'Labels', 'Fired', 'Resolved', 'Duration'],
      inc.incidents.map((i) => [...incidentCells(i), duration(i.durationMs)]),
    ),
    ...markdownTable(
      ['Time', 'Notifier', 'Target', 'Attempt', 'Outcome', 'HTTP'],
      inc.notifications.map((n) => [...notificationCells(n), n.httpStatus ?? '-']),
    ),
  ],
  csv: (inc) => ({
    'alerts.csv': toCsv(
      ['alert', 'labels', 'fired', 'resolved', 'duration_s', 'value'],
      inc.incidents.map((i) => [...incidentCells(i), i.durationMs / 1000, i.value]),
    ),
    'notifications.csv': toCsv(
      ['time', 'notifier', 'target', 'attempt', 'outcome', 'http_status', 'error', 'alerts'],
      inc.notifications.map((n) => [...notificationCells(n), n.httpStatus, n.error, n.alertCount]),
    ),
  }),
});
