import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ConsoleAssets } from '../assets.ts';
import type { ConsoleContext } from '../console-context.ts';
import { type FleetRow, readFleet } from '../fleet-data.ts';
import { type Html, isoOf, jsonBlock, renderPage } from '../layout.ts';

/**
 * The fleet table, rendered complete on the server (it reads without JavaScript); fleet.js sorts
 * it by any column and refreshes it from /console/api/fleet every 15 s. Each cell carries its
 * sort key in data-sort.
 */
export function fleetPage(ctx: ConsoleContext): Hono {
  const app = new Hono();
  app.get('/', ctx.requirePage, (c) => {
    const now = ctx.nowMs();
    const rows = readFleet(ctx.fleet, { nowMs: now, silentAfterMs: ctx.silentAfterMs });
    return c.html(renderFleet(ctx.assets, c.get('consoleSession').subject, rows, now));
  });
  app.get('/console/api/fleet', ctx.requireJson, (c) => {
    const now = ctx.nowMs();
    const rows = readFleet(ctx.fleet, { nowMs: now, silentAfterMs: ctx.silentAfterMs });
    return c.json({ now: new Date(now).toISOString(), rows: rows.map(fleetRowView) });
  });
  return app;
}

export function renderFleet(
  assets: ConsoleAssets,
  subject: string,
  rows: readonly FleetRow[],
  nowMs: number,
): Html {
  return renderPage(assets, {
    title: 'Fleet',
    current: 'fleet',
    subject,
    scripts: ['/console/assets/fleet.js'],
    body: html`<h1>Fleet <small class="muted">${rows.length} node${rows.length === 1 ? '' : 's'}</small></h1>
      <p class="muted">Updated <time id="fleet-updated" datetime="${isoOf(nowMs)}">${isoOf(nowMs)}</time>; refreshes every 15 s. Click a column to sort.</p>
      <table id="fleet" class="grid sortable">
        <thead><tr>
          <th data-key="node">Node</th><th data-key="status">Status</th><th data-key="lastSeen">Last seen</th>
          <th data-key="model">Model</th><th data-key="os">OS</th><th data-key="hottest">Hottest sensor</th>
          <th data-key="fan">Fan</th><th data-key="gpu">GPU</th><th data-key="logins">Failed logins (1 h)</th>
          <th data-key="drift">Drift failing</th><th data-key="alerts">Firing alerts</th>
        </tr></thead>
        <tbody>${rows.map((row) => renderFleetRow(row))}</tbody>
      </table>
      ${jsonBlock('fleet-meta', { refreshMs: 15_000, api: '/console/api/fleet' })}`,
  });
}

export function statusText(row: FleetRow): string {
  switch (row.status) {
    case 'up':
      return 'up';
    case 'silent':
      return `silent since ${isoOf(row.lastSeenMs)}`;
    default:
      return 'never seen';
  }
}

/** One table cell: its text, its sort key and its class; the same for the page and the JSON refresh. */
export interface FleetCell {
  text: string;
  sort: string | number;
  cls: string;
}

export interface FleetRowView {
  nodeId: string;
  href: string;
  hostName: string | null;
  cells: FleetCell[];
}

export function fleetRowView(row: FleetRow): FleetRowView {
  const fmt = (value: number, digits = 0) => value.toFixed(digits);
  const cell = (text: string, sort: string | number, cls = ''): FleetCell => ({ text, sort, cls });
  return {
    nodeId: row.nodeId,
    href: `/nodes/${encodeURIComponent(row.nodeId)}`,
    hostName: row.hostName !== null && row.hostName !== row.nodeId ? row.hostName : null,
    cells: [
      cell(statusText(row), row.status, `status ${row.status}`),
      cell(row.lastSeenMs === null ? '—' : isoOf(row.lastSeenMs), row.lastSeenMs ?? 0),
      cell(row.model ?? '—', row.model ?? ''),
      cell(row.os ?? '—', row.os ?? ''),
      cell(
        row.hottest === null ? '—' : `${fmt(row.hottest.celsius, 1)} °C ${row.hottest.sensor}`,
        row.hottest?.celsius ?? -1,
      ),
      cell(
        row.fanRpm === null
          ? '—'
          : `${fmt(row.fanRpm.max)} rpm${row.fanRpm.fans > 1 ? ` (max of ${row.fanRpm.fans})` : ''}`,
        row.fanRpm?.max ?? -1,
      ),
      cell(
        row.gpuUtilization === null ? '—' : `${fmt(row.gpuUtilization * 100)} %`,
        row.gpuUtilization ?? -1,
      ),
      row.blindLoginSources.length > 0
        ? // Blind: "0 failed logins" would be a false all-clear (LoginSourceBlind, docs/least-privilege.md).
          cell(
            `${row.failedLoginsLastHour} · blind: ${row.blindLoginSources.join(', ')} unreadable`,
            -1,
            'bad',
          )
        : cell(
            String(row.failedLoginsLastHour),
            row.failedLoginsLastHour,
            row.failedLoginsLastHour > 0 ? 'warn' : '',
          ),
      cell(String(row.driftFailing), row.driftFailing, row.driftFailing > 0 ? 'warn' : ''),
      cell(
        row.firingAlerts.length === 0 ? '0' : row.firingAlerts.join(', '),
        row.firingAlerts.length,
        row.firingAlerts.length > 0 ? 'bad' : '',
      ),
    ],
  };
}

function renderFleetRow(row: FleetRow): Html {
  const view = fleetRowView(row);
  return html`<tr data-node="${view.nodeId}">
    <td data-sort="${view.nodeId}"><a href="${view.href}">${view.nodeId}</a>${
      view.hostName === null ? '' : html`<div class="muted host">${view.hostName}</div>`
    }</td>
    ${view.cells.map((c) => html`<td data-sort="${String(c.sort)}" class="${c.cls}">${c.text}</td>`)}
  </tr>`;
}
