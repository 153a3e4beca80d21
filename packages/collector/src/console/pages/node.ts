import { parseTimeArg } from '@perimeter/schema';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { HistoryRow } from '../../alerts/alert-store.ts';
import { buildTimeline } from '../../replay/build-timeline.ts';
import { formatDuration } from '../../replay/render.ts';
import { MAX_WINDOW_MS, NODE_ID_PATTERN } from '../../replay/replay.ts';
import type { Timeline, TimelineRow } from '../../replay/types.ts';
import type { NodeInferenceSummary } from '../../store/inference-reads.ts';
import type { ConsoleAssets } from '../assets.ts';
import type { ConsoleContext } from '../console-context.ts';
import { type FleetRow, readFleetNode } from '../fleet-data.ts';
import { type Html, isoOf, jsonBlock, renderPage } from '../layout.ts';
import { buildNodeCharts, type NodeCharts } from '../node-charts.ts';
import { problemPage } from '../problem-page.ts';
import { statusText } from './fleet.ts';

/**
 * One node: its charts (node.js draws them with uPlot from the JSON block), then the timeline of
 * the window as the replay builds it — events, sequence gaps, silences, last-seen, pruned ranges,
 * threshold breaches and the node's alert transitions — with the chain's integrity verdict and a
 * link to the same window as the replay command's JSONL.
 */
export interface NodePageModel {
  node: FleetRow;
  window: { fromMs: number; toMs: number; fromArg: string; toArg: string };
  timeline: Timeline;
  charts: NodeCharts;
  alertHistory: HistoryRow[];
  /** The node's inference requests in the window (store/inference-reads.ts). */
  inference: NodeInferenceSummary;
}

const PRESETS = [
  ['1 h', '-1h'],
  ['6 h', '-6h'],
  ['24 h', '-24h'],
  ['7 d', '-7d'],
] as const;

/** The node's transitions drawn in its timeline: at most this many, newest first. */
const ALERT_HISTORY_LIMIT = 5000;
/** The newest inference requests listed, and the users named, on the node page. */
const INFERENCE_LATEST_LIMIT = 50;
const INFERENCE_USER_LIMIT = 20;

export function nodePage(ctx: ConsoleContext): Hono {
  const app = new Hono();

  app.get('/nodes/:id/timeline.jsonl', ctx.requirePage, async (c) => {
    const nodeId = c.req.param('id');
    const query = new URLSearchParams(new URL(c.req.url).search);
    query.set('format', 'jsonl');
    // The timeline API itself answers: same checks, same JSONL as `replay --format jsonl`.
    const answer = await ctx.api.request(`/api/v1/nodes/${encodeURIComponent(nodeId)}/timeline?${query}`);
    if (!answer.ok) {
      return answer;
    }
    const out = new Response(answer.body, answer);
    out.headers.set('Content-Disposition', `attachment; filename="${nodeId}-timeline.jsonl"`);
    return out;
  });

  app.get('/nodes/:id', ctx.requirePage, async (c) => {
    const subject = c.get('consoleSession').subject;
    const nodeId = c.req.param('id');
    const now = ctx.nowMs();
    const node = NODE_ID_PATTERN.test(nodeId)
      ? readFleetNode(ctx.fleet, nodeId, { nowMs: now, silentAfterMs: ctx.silentAfterMs })
      : undefined;
    if (node === undefined) {
      return c.html(
        problemPage(ctx.assets, subject, 'Unknown node', `No node "${nodeId}" is known to this collector.`),
        404,
      );
    }
    const fromArg = c.req.query('from') ?? '-1h';
    const toArg = c.req.query('to') ?? 'now';
    let fromMs: number;
    let toMs: number;
    try {
      fromMs = parseTimeArg(fromArg, now);
      toMs = parseTimeArg(toArg, now);
    } catch (error) {
      return c.html(problemPage(ctx.assets, subject, 'Bad window', (error as Error).message), 400);
    }
    if (!(fromMs < toMs) || toMs - fromMs > MAX_WINDOW_MS) {
      return c.html(
        problemPage(
          ctx.assets,
          subject,
          'Bad window',
          '"from" must be before "to", and the window at most 400 days.',
        ),
        400,
      );
    }
    const read = await ctx.replay.read({ nodeId, window: { fromMs, toMs }, nowMs: ctx.nowMs });
    if (read.kind === 'unknown-node') {
      return c.html(
        problemPage(
          ctx.assets,
          subject,
          nodeId,
          `"${nodeId}" has a token but has never sent a batch to this collector.`,
        ),
      );
    }
    const timeline = buildTimeline(read.input, { eventsOnly: false, events: [], metrics: [] });
    return c.html(
      renderNode(ctx.assets, subject, {
        node,
        window: { fromMs, toMs, fromArg, toArg },
        timeline,
        charts: buildNodeCharts(read.input, timeline, ctx.rules()),
        alertHistory: ctx.fleet.reads.nodeAlertHistory(nodeId, { fromMs, toMs }, ALERT_HISTORY_LIMIT),
        inference: ctx.fleet.reads.nodeInference({
          nodeId,
          fromMs,
          toMs,
          latestLimit: INFERENCE_LATEST_LIMIT,
          userLimit: INFERENCE_USER_LIMIT,
        }),
      }),
    );
  });

  return app;
}

export function renderNode(assets: ConsoleAssets, subject: string, model: NodePageModel): Html {
  const { node, timeline, window } = model;
  const base = `/nodes/${encodeURIComponent(node.nodeId)}`;
  const range = `from=${encodeURIComponent(isoOf(window.fromMs))}&to=${encodeURIComponent(isoOf(window.toMs))}`;
  const integrity = timeline.integrity;
  return renderPage(assets, {
    title: node.nodeId,
    current: 'node',
    subject,
    scripts: ['/console/vendor/uPlot.iife.min.js', '/console/assets/node.js'],
    styles: ['/console/vendor/uPlot.min.css'],
    body: html`<h1>${node.nodeId} <span class="status ${node.status}">${statusText(node)}</span></h1>
      <dl class="facts">
        <dt>Host name</dt><dd id="host-name">${node.hostName ?? '—'}</dd>
        <dt>Model</dt><dd>${node.model ?? '—'}</dd>
        <dt>OS</dt><dd>${node.os ?? '—'}</dd>
        <dt>Last seen</dt><dd>${node.lastSeenMs === null ? '—' : isoOf(node.lastSeenMs)}</dd>
      </dl>
      <form method="get" action="${base}" class="window">
        <label>From <input name="from" value="${window.fromArg}" size="24"></label>
        <label>To <input name="to" value="${window.toArg}" size="24"></label>
        <button type="submit">Show</button>
        ${PRESETS.map(([label, from]) => html`<a href="${base}?from=${from}&amp;to=now">${label}</a>`)}
        <a class="download" href="${base}/timeline.jsonl?${range}" download="${node.nodeId}-timeline.jsonl">Download JSONL (replay)</a>
      </form>
      <p class="muted">Window ${isoOf(window.fromMs)} – ${isoOf(window.toMs)}; charts show the max per ${formatDuration(model.charts.stepMs)}. Usual interval ${timeline.usualIntervalMs === null ? 'unknown' : formatDuration(timeline.usualIntervalMs)}.</p>
      <section id="integrity" class="verdict ${integrity.ok ? 'ok' : 'broken'}" data-ok="${String(integrity.ok)}">
        <strong>Hash chain: ${integrity.summary}</strong>
        ${integrity.checkpoint === undefined ? '' : html`<p id="checkpoint">Signed checkpoint: ${integrity.checkpoint.line}</p>${integrity.checkpoint.problems.length === 0 ? '' : html`<ul>${integrity.checkpoint.problems.map((p) => html`<li>${p.where}: ${p.what}</li>`)}</ul>`}`}
        ${integrity.problems.length === 0 ? '' : html`<ul>${integrity.problems.map((p) => html`<li>batch ${p.at}${p.seq === null ? '' : ` (seq ${p.seq})`}: ${p.what}</li>`)}</ul>${integrity.moreProblems > 0 ? html`<p>and ${integrity.moreProblems} more</p>` : ''}`}
      </section>
      <section class="legend"><span class="swatch sequence-gap"></span> sequence gap <span class="swatch silence"></span> silence <span class="swatch before-silence"></span> last minutes before a silence</section>
      <section id="charts" class="charts">
        ${model.charts.charts.map(
          (chart) => html`<figure class="chart" id="chart-${chart.id}" data-chart="${chart.id}">
            <figcaption>${chart.title} (${chart.unit})${chart.thresholds.length === 0 ? '' : html` <span class="muted">thresholds: ${chart.thresholds.map((t) => `${t.label} = ${t.value}`).join('; ')}</span>`}</figcaption>
            ${chart.series.length === 0 ? html`<p class="muted empty">no readings in this window</p>` : html`<div class="plot"></div>`}
          </figure>`,
        )}
      </section>
      ${inferenceSection(model.inference)}
      <h2>Timeline <small class="muted">${timeline.counts.events} events, ${timeline.counts.gaps} sequence gaps, ${timeline.counts.silences} silences, ${timeline.counts.breaches} threshold breaches</small></h2>
      <table id="timeline" class="grid">
        <thead><tr><th>Time (UTC)</th><th>Kind</th><th>What</th><th>Detail</th></tr></thead>
        <tbody>${timelineRows(timeline, model.alertHistory)}</tbody>
      </table>
      ${jsonBlock('node-data', model.charts)}`,
  });
}

/**
 * Who used the node's inference endpoint in the window and how it answered (issue 19): requests by
 * status, tokens, users, and the newest requests. Every value came from a proxy's log line, so all
 * of it is escaped (hono's html escapes each interpolation); a user named `<script>` stays text.
 */
function inferenceSection(summary: NodeInferenceSummary): Html {
  const header = html`<h2>Inference <small class="muted">${summary.requests} request(s) in this window</small></h2>`;
  if (summary.requests === 0) {
    return html`<section id="inference">${header}<p class="muted empty">no inference requests in this window</p></section>`;
  }
  const tokens = (n: number | null) => (n === null ? '—' : String(n));
  const moreUsers = summary.userCount - summary.users.length;
  return html`<section id="inference">${header}
    <dl class="facts">
      <dt>By status</dt><dd id="inference-status">${summary.byStatus.map(
        (s, i) =>
          html`${i === 0 ? '' : ', '}<span class="status-${s.status.slice(0, 1)}xx" data-status="${s.status}">${s.status} × ${s.requests}</span>`,
      )}</dd>
      <dt>Tokens in / out</dt><dd id="inference-tokens">${summary.tokens.input} / ${summary.tokens.output}</dd>
      <dt>Users</dt><dd id="inference-users">${summary.userCount}: ${summary.users.map(
        (u, i) =>
          html`${i === 0 ? '' : ', '}<span class="user">${u.user === '' ? '(none)' : u.user}</span> × ${u.requests}`,
      )}${moreUsers > 0 ? ` and ${moreUsers} more` : ''}</dd>
    </dl>
    <table id="inference-requests" class="grid">
      <thead><tr><th>Time (UTC)</th><th>User</th><th>Client</th><th>Route</th><th>Status</th><th>Model</th><th>Tokens in / out</th><th>Latency</th></tr></thead>
      <tbody>${summary.latest.map(
        (r) =>
          html`<tr class="${/^[45]/.test(r.status) ? 'failed' : 'ok'}" data-status="${r.status}"><td><time datetime="${isoOf(r.timeMs)}">${isoOf(r.timeMs)}</time></td><td>${r.user === '' ? '(none)' : r.user}</td><td>${r.client}</td><td>${r.method} ${r.route}</td><td>${r.status}</td><td>${r.model ?? '—'}</td><td>${tokens(r.inputTokens)} / ${tokens(r.outputTokens)}</td><td>${r.durationS === null ? '—' : `${Math.round(r.durationS * 1000)} ms`}</td></tr>`,
      )}</tbody>
    </table>
    ${summary.latest.length < summary.requests ? html`<p class="muted">the newest ${summary.latest.length} of ${summary.requests}; the evidence's inference-access.jsonl has every request</p>` : ''}
  </section>`;
}

interface Line {
  timeMs: number;
  kind: string;
  cls: string;
  what: string;
  detail: string;
}

function timelineRows(timeline: Timeline, alerts: readonly HistoryRow[]): Html {
  const lines: Line[] = [];
  for (const row of timeline.rows) {
    const line = describe(row);
    if (line !== null) {
      lines.push(line);
    }
  }
  for (const alert of alerts) {
    lines.push({
      timeMs: alert.atMs,
      kind: 'alert',
      cls: `alert ${alert.to}`,
      what: `${alert.name} ${alert.from} → ${alert.to === 'inactive' ? 'resolved' : alert.to}`,
      detail: `value ${alert.value}; ${Object.entries(alert.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    });
  }
  lines.sort((a, b) => a.timeMs - b.timeMs);
  if (lines.length === 0) {
    return html`<tr><td colspan="4" class="muted">nothing in this window</td></tr>`;
  }
  return html`${lines.map(
    (line) =>
      html`<tr class="${line.cls}" data-kind="${line.kind}"><td><time datetime="${isoOf(line.timeMs)}">${isoOf(line.timeMs)}</time></td><td>${line.kind}</td><td>${line.what}</td><td>${line.detail}</td></tr>`,
  )}`;
}

const attributesText = (attributes: Record<string, unknown>) =>
  Object.entries(attributes)
    .filter(([key]) => key !== 'event.name')
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');

/** Events and markers; metric summaries only where they breach a threshold (the charts show the rest). */
function describe(row: TimelineRow): Line | null {
  switch (row.kind) {
    case 'event':
      return {
        timeMs: row.timeMs,
        kind: 'event',
        cls: `event${row.beforeSilence ? ' before-silence' : ''}`,
        what: row.name ?? '(unnamed)',
        detail: [row.body ?? '', attributesText(row.attributes)].filter((part) => part !== '').join(' — '),
      };
    case 'metric':
      return row.breach === null
        ? null
        : {
            timeMs: row.timeMs,
            kind: 'breach',
            cls: `breach${row.beforeSilence ? ' before-silence' : ''}`,
            what: `${row.metric} ${attributesText(row.attributes)}`,
            detail: `max ${row.max} ${row.unit}: ${row.breach.level} (${row.breach.rule}, threshold ${row.breach.threshold})`,
          };
    case 'gap':
      return {
        timeMs: row.timeMs,
        kind: 'sequence gap',
        cls: 'sequence-gap',
        what: `seq ${row.fromSeq}–${row.toSeq} of stream ${row.streamId} (${row.missing} missing)`,
        detail: `${row.cause}${row.endMs === null ? '' : `; data resumes at ${isoOf(row.endMs)}`}`,
      };
    case 'silence':
      return {
        timeMs: row.timeMs,
        kind: 'silence',
        cls: 'silence',
        what: `${formatDuration(row.durationMs)}${row.ongoing ? ' (ongoing)' : ''} until ${isoOf(row.endMs)}`,
        detail: row.cause,
      };
    case 'last-seen':
      return {
        timeMs: row.timeMs,
        kind: 'last seen',
        cls: 'last-seen',
        what: 'newest data from the node in this window',
        detail: row.receivedAtMs === null ? '' : `received ${isoOf(row.receivedAtMs)}`,
      };
    case 'pruned':
      return {
        timeMs: row.timeMs,
        kind: 'pruned',
        cls: 'pruned',
        what: `batches ${row.fromBatchId}–${row.toBatchId} (${row.batchCount}) pruned (${row.reason})`,
        detail: row.linkVerified
          ? 'chain verified across the pruned range'
          : 'chain link across the range not verified',
      };
    default:
      return null;
  }
}
