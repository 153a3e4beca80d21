import { Hono } from 'hono';
import { html } from 'hono/html';
import type { HistoryRow, NotificationRecord } from '../../alerts/alert-store.ts';
import type { AlertInstance } from '../../alerts/state.ts';
import { formatDuration } from '../../replay/render.ts';
import type { ConsoleAssets } from '../assets.ts';
import type { ConsoleContext } from '../console-context.ts';
import { type Html, isoOf, renderPage } from '../layout.ts';

/**
 * Alerts as the engine holds them (the store, so the page answers the same after a restart):
 * firing and pending ones with labels and annotations, then the recent state changes with how
 * long each alert was pending or firing, and what became of the notifications about it.
 */
export interface AlertsPageModel {
  nowMs: number;
  active: AlertInstance[];
  history: HistoryRow[];
  notifications: Array<NotificationRecord & { id: number }>;
}

export function alertsPage(ctx: ConsoleContext): Hono {
  const app = new Hono();
  app.get('/alerts', ctx.requirePage, (c) =>
    c.html(
      renderAlerts(ctx.assets, c.get('consoleSession').subject, {
        nowMs: ctx.nowMs(),
        active: ctx.alerts.loadStates(),
        history: ctx.alerts.history(200),
        notifications: ctx.alerts.notifications(200),
      }),
    ),
  );
  return app;
}

export function renderAlerts(assets: ConsoleAssets, subject: string, model: AlertsPageModel): Html {
  const active = model.active
    .filter((a) => a.state === 'firing' || a.state === 'pending')
    .sort((a, b) => (a.state === b.state ? a.activeAtMs - b.activeAtMs : a.state === 'firing' ? -1 : 1));
  const outcomes = outcomesByFingerprint(model.notifications);
  return renderPage(assets, {
    title: 'Alerts',
    current: 'alerts',
    subject,
    body: html`<h1>Alerts</h1>
      <h2>Firing and pending <small class="muted">${active.length}</small></h2>
      ${
        active.length === 0
          ? html`<p class="muted" id="no-active">No alert is firing or pending.</p>`
          : html`<table id="active" class="grid">
        <thead><tr><th>State</th><th>Alert</th><th>Labels</th><th>Annotations</th><th>Value</th><th>Since</th><th>Notifications</th></tr></thead>
        <tbody>${active.map((a) => {
          const since = a.state === 'firing' ? (a.firedAtMs ?? a.activeAtMs) : a.activeAtMs;
          return html`<tr class="${a.state}">
            <td><span class="state ${a.state}">${a.state}</span></td>
            <td>${a.name}</td>
            <td>${labelList(a.labels)}</td>
            <td>${labelList(a.annotations)}</td>
            <td>${String(a.value)}</td>
            <td><time datetime="${isoOf(since)}">${isoOf(since)}</time> (${formatDuration(model.nowMs - since)})</td>
            <td>${outcomes.get(a.fingerprint) ?? '—'}</td>
          </tr>`;
        })}</tbody></table>`
      }
      <h2>Recent history</h2>
      ${
        model.history.length === 0
          ? html`<p class="muted">No state changes recorded.</p>`
          : html`<table id="history" class="grid">
        <thead><tr><th>Time (UTC)</th><th>Alert</th><th>Change</th><th>Lasted</th><th>Labels</th><th>Value</th><th>Notifications</th></tr></thead>
        <tbody>${withDurations(model.history).map(
          ({ row, lastedMs }) => html`<tr>
            <td><time datetime="${isoOf(row.atMs)}">${isoOf(row.atMs)}</time></td>
            <td>${row.name}</td>
            <td>${row.from} → ${row.to === 'inactive' ? 'resolved' : row.to}</td>
            <td>${lastedMs === null ? '' : `${row.from} for ${formatDuration(lastedMs)}`}</td>
            <td>${labelList(row.labels)}</td>
            <td>${String(row.value)}</td>
            <td>${outcomes.get(row.fingerprint) ?? '—'}</td>
          </tr>`,
        )}</tbody></table>`
      }
      <h2>Notification attempts</h2>
      ${
        model.notifications.length === 0
          ? html`<p class="muted">No notifications sent.</p>`
          : html`<table id="notifications" class="grid">
        <thead><tr><th>Time (UTC)</th><th>Notifier</th><th>Target</th><th>Attempt</th><th>Outcome</th><th>HTTP</th><th>Error</th><th>Alerts</th></tr></thead>
        <tbody>${model.notifications.map(
          (n) => html`<tr class="${n.outcome}">
            <td><time datetime="${isoOf(n.atMs)}">${isoOf(n.atMs)}</time></td>
            <td>${n.notifier}</td><td>${n.target}</td><td>${n.attempt}</td>
            <td><span class="outcome ${n.outcome}">${n.outcome}</span></td>
            <td>${n.httpStatus === null ? '' : String(n.httpStatus)}</td><td>${n.error ?? ''}</td>
            <td>${n.fingerprints.length}</td>
          </tr>`,
        )}</tbody></table>`
      }`,
  });
}

function labelList(labels: Record<string, string>): Html {
  return html`<ul class="labels">${Object.entries(labels).map(
    ([key, value]) => html`<li><span class="k">${key}</span>=<span class="v">${value}</span></li>`,
  )}</ul>`;
}

/** Each change with how long the alert had been in the state it left (from the change that entered it). */
function withDurations(history: readonly HistoryRow[]): Array<{ row: HistoryRow; lastedMs: number | null }> {
  // history is newest first; walk oldest first to know when each state was entered.
  const entered = new Map<string, number>();
  const lasted = new Map<HistoryRow, number | null>();
  for (const row of [...history].reverse()) {
    const since = entered.get(row.fingerprint);
    lasted.set(row, since === undefined ? null : row.atMs - since);
    entered.set(row.fingerprint, row.atMs);
  }
  return history.map((row) => ({ row, lastedMs: lasted.get(row) ?? null }));
}

/** Per alert fingerprint: "sent 3 (alertmanager), failed 1 (webhook)". */
function outcomesByFingerprint(notifications: ReadonlyArray<NotificationRecord>): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const n of notifications) {
    for (const fingerprint of n.fingerprints) {
      const byOutcome = counts.get(fingerprint) ?? new Map<string, number>();
      const key = `${n.outcome} (${n.notifier})`;
      byOutcome.set(key, (byOutcome.get(key) ?? 0) + 1);
      counts.set(fingerprint, byOutcome);
    }
  }
  const text = new Map<string, string>();
  for (const [fingerprint, byOutcome] of counts) {
    text.set(
      fingerprint,
      [...byOutcome.entries()].map(([key, count]) => `${key.replace(' ', ` ×${count} `)}`).join(', '),
    );
  }
  return text;
}
