import { parseTimeArg } from '@perimeter/schema';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { createAlertStore } from '../alerts/alert-store.ts';
import type { Rule } from '../alerts/rule-model.ts';
import { timelineRoutes } from '../api/timeline-routes.ts';
import { createErrorHandler, type ErrorLog, HttpError } from '../http/errors.ts';
import { buildTimeline } from '../replay/build-timeline.ts';
import { MAX_WINDOW_MS, NODE_ID_PATTERN } from '../replay/replay.ts';
import type { ReplayReader } from '../replay/replay-worker.ts';
import type { Store } from '../store/store.ts';
import type { VerifiedToken } from '../tokens/token-store.ts';
import { type ConsoleAssets, loadConsoleAssets } from './assets.ts';
import { consoleHeaders, safeNext, sameOriginPosts, socketAddress } from './console-security.ts';
import { readFleet } from './fleet-data.ts';
import { type Html, renderPage } from './layout.ts';
import { buildNodeCharts } from './node-charts.ts';
import { renderAlerts } from './pages/alerts.ts';
import { fleetRowView, renderFleet } from './pages/fleet.ts';
import { renderNode } from './pages/node.ts';
import { renderSignIn } from './pages/sign-in.ts';
import {
  type ConsoleSession,
  createSessionStore,
  SESSION_MAX_AGE_MS,
  type SessionStore,
} from './session-store.ts';
import { createSignInLimiter } from './sign-in-limiter.ts';

/**
 * The console: read-only pages at `/` on the collector's own port. Sign-in takes a reader or
 * admin token once and answers with an HttpOnly, SameSite=Strict cookie (Secure over TLS) holding
 * an opaque session id; node tokens are refused. Every page and JSON call needs a live session
 * (pages redirect to /sign-in, JSON answers 401). Attempts are limited per client address and
 * each one is an audit row. Everything shown is escaped by hono/html; no script runs inline.
 */
export interface ConsoleDeps {
  store: Store;
  verifyToken: (presented: string) => VerifiedToken | null;
  nowMs: () => number;
  log: ErrorLog;
  /** The alert rules, for the thresholds drawn on temperature charts (none: sensor limits only). */
  rules?: () => readonly Rule[];
  /** The client address sign-in attempts are limited by (default: the socket's peer). */
  clientAddress?: (c: Context) => string;
  signInLimit?: { maxFailures?: number; windowMs?: number };
  silentAfterMs?: number;
  sessions?: SessionStore;
  assets?: ConsoleAssets;
  /** Reads a node's replay off the main thread (replay/replay-worker.ts). */
  replay: ReplayReader;
}

export const SESSION_COOKIE = 'perimeter_session';
const CONSOLE_ROLES = new Set(['reader', 'admin']);

declare module 'hono' {
  interface ContextVariableMap {
    consoleSession: ConsoleSession;
  }
}

export function consoleRoutes(deps: ConsoleDeps): Hono {
  const app = new Hono();
  const assets = deps.assets ?? loadConsoleAssets();
  const sessions = deps.sessions ?? createSessionStore({ nowMs: deps.nowMs });
  const limiter = createSignInLimiter({ nowMs: deps.nowMs, ...deps.signInLimit });
  const clientAddress = deps.clientAddress ?? socketAddress;
  const tokenLive = deps.store.db.prepare('SELECT revoked_at_ms FROM tokens WHERE id = ?').pluck();
  const alertStore = createAlertStore(deps.store.db);
  const timelineApi = timelineRoutes(deps);
  timelineApi.onError(createErrorHandler(deps.log));
  let rules: readonly Rule[] | undefined;
  const rulesNow = () => {
    if (rules === undefined) {
      try {
        rules = deps.rules?.() ?? [];
      } catch (error) {
        deps.log.warn(
          { err: error },
          'console: rules not loaded; temperature charts show sensor limits only',
        );
        rules = [];
      }
    }
    return rules;
  };
  // Rate-limited attempts are audited at most once a minute per address, so a flood cannot fill the log.
  const lastLimitedAudit = new Map<string, number>();

  const headers = consoleHeaders();
  for (const path of ['/', '/sign-in', '/sign-out', '/alerts', '/nodes/*', '/console/*']) {
    app.use(path, headers);
  }
  app.use('/sign-in', sameOriginPosts());
  app.use('/sign-out', sameOriginPosts());
  app.route('/', assets.routes);
  app.get('/favicon.ico', (c) => c.body(null, 204));

  const sessionOf = (c: Context): ConsoleSession | undefined => {
    const id = getCookie(c, SESSION_COOKIE);
    const session = id === undefined ? undefined : sessions.get(id);
    if (session !== undefined && tokenLive.get(session.tokenId) !== null) {
      sessions.delete(session.id); // the token was revoked (or deleted): its sessions end with it
      return undefined;
    }
    return session;
  };
  const requirePage: MiddlewareHandler = async (c, next) => {
    const session = sessionOf(c);
    if (session === undefined) {
      const target = `${c.req.path}${new URL(c.req.url).search}`;
      return c.redirect(`/sign-in${target === '/' ? '' : `?next=${encodeURIComponent(target)}`}`, 303);
    }
    c.set('consoleSession', session);
    await next();
  };
  const requireJson: MiddlewareHandler = async (c, next) => {
    const session = sessionOf(c);
    if (session === undefined) {
      throw new HttpError(401, 'sign in to the console first (POST /sign-in)', {
        code: 'unauthenticated',
        field: 'cookie',
      });
    }
    c.set('consoleSession', session);
    await next();
  };

  app.get('/sign-in', (c) => {
    if (sessionOf(c) !== undefined) {
      return c.redirect(safeNext(c.req.query('next')), 303);
    }
    return c.html(renderSignIn(assets, { next: safeNext(c.req.query('next')) }));
  });

  app.post('/sign-in', async (c) => {
    const address = clientAddress(c);
    const now = deps.nowMs();
    const audit = (actor: string, outcome: string, detail: Record<string, unknown> = {}) =>
      deps.store.audit.record({
        atMs: now,
        actor,
        action: 'console.sign_in',
        detail: { outcome, address, ...detail },
      });
    const verdict = limiter.check(address);
    if (verdict.kind === 'limited') {
      if (now - (lastLimitedAudit.get(address) ?? Number.NEGATIVE_INFINITY) >= 60_000) {
        lastLimitedAudit.set(address, now);
        audit(`console:${address}`, 'rate_limited', { retryAfterSeconds: verdict.retryAfterSeconds });
      }
      c.header('Retry-After', String(verdict.retryAfterSeconds));
      return c.html(
        renderSignIn(assets, {
          message: `Too many failed sign-ins from this address; try again in ${verdict.retryAfterSeconds} s.`,
        }),
        429,
      );
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const presented = typeof form['token'] === 'string' ? form['token'].trim() : '';
    const next = safeNext(typeof form['next'] === 'string' ? form['next'] : undefined);
    // The token's id (its public part) identifies the attempt; the secret is never written anywhere.
    const tokenId = /^pmt_([0-9a-f]{16})_/.exec(presented)?.[1] ?? null;
    const token = presented === '' ? null : deps.verifyToken(presented);
    if (token === null || !CONSOLE_ROLES.has(token.role)) {
      limiter.recordFailure(address);
      const outcome = token === null ? 'failure' : 'refused_role';
      audit(`console:${address}`, outcome, { tokenId, role: token?.role ?? null });
      const message =
        token === null
          ? 'That token is unknown, malformed or revoked.'
          : `A ${token.role} token cannot open the console; use a reader or admin token.`;
      return c.html(renderSignIn(assets, { message, next }), token === null ? 401 : 403);
    }
    const session = sessions.create(token);
    audit(`token:${token.id}`, 'success', { tokenId: token.id, role: token.role, subject: token.nodeId });
    setCookie(c, SESSION_COOKIE, session.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: Math.floor(SESSION_MAX_AGE_MS / 1000),
    });
    return c.redirect(next, 303);
  });

  app.post('/sign-out', (c) => {
    const session = sessionOf(c);
    if (session !== undefined) {
      sessions.delete(session.id);
      deps.store.audit.record({
        atMs: deps.nowMs(),
        actor: `token:${session.tokenId}`,
        action: 'console.sign_out',
        detail: { address: clientAddress(c) },
      });
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/sign-in', 303);
  });

  app.get('/', requirePage, (c) => {
    const now = deps.nowMs();
    const rows = readFleet(deps.store, { nowMs: now, silentAfterMs: deps.silentAfterMs });
    return c.html(renderFleet(assets, c.get('consoleSession').subject, rows, now));
  });

  app.get('/console/api/fleet', requireJson, (c) => {
    const now = deps.nowMs();
    const rows = readFleet(deps.store, { nowMs: now, silentAfterMs: deps.silentAfterMs });
    return c.json({ now: new Date(now).toISOString(), rows: rows.map(fleetRowView) });
  });

  app.get('/alerts', requirePage, (c) => {
    return c.html(
      renderAlerts(assets, c.get('consoleSession').subject, {
        nowMs: deps.nowMs(),
        active: alertStore.loadStates(),
        history: alertStore.history(200),
        notifications: alertStore.notifications(200),
      }),
    );
  });

  app.get('/nodes/:id/timeline.jsonl', requirePage, async (c) => {
    const nodeId = c.req.param('id');
    const query = new URLSearchParams(new URL(c.req.url).search);
    query.set('format', 'jsonl');
    // The timeline API itself answers: same checks, same JSONL as `replay --format jsonl`.
    const answer = await timelineApi.request(`/api/v1/nodes/${encodeURIComponent(nodeId)}/timeline?${query}`);
    if (!answer.ok) {
      return answer;
    }
    const out = new Response(answer.body, answer);
    out.headers.set('Content-Disposition', `attachment; filename="${nodeId}-timeline.jsonl"`);
    return out;
  });

  app.get('/nodes/:id', requirePage, async (c) => {
    const subject = c.get('consoleSession').subject;
    const nodeId = c.req.param('id');
    const now = deps.nowMs();
    const node = NODE_ID_PATTERN.test(nodeId)
      ? readFleet(deps.store, { nowMs: now, silentAfterMs: deps.silentAfterMs }).find(
          (r) => r.nodeId === nodeId,
        )
      : undefined;
    if (node === undefined) {
      return c.html(
        problemPage(assets, subject, 'Unknown node', `No node "${nodeId}" is known to this collector.`),
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
      return c.html(problemPage(assets, subject, 'Bad window', (error as Error).message), 400);
    }
    if (!(fromMs < toMs) || toMs - fromMs > MAX_WINDOW_MS) {
      return c.html(
        problemPage(
          assets,
          subject,
          'Bad window',
          '"from" must be before "to", and the window at most 400 days.',
        ),
        400,
      );
    }
    const read = await deps.replay.read({ nodeId, window: { fromMs, toMs }, nowMs: deps.nowMs });
    const window = { fromMs, toMs, fromArg, toArg };
    if (read.kind === 'unknown-node') {
      return c.html(
        problemPage(
          assets,
          subject,
          nodeId,
          `"${nodeId}" has a token but has never sent a batch to this collector.`,
        ),
      );
    }
    const timeline = buildTimeline(read.input, { eventsOnly: false, events: [], metrics: [] });
    const alertHistory = alertStore
      .history(5000)
      .filter((h) => h.labels['node'] === nodeId && h.atMs >= fromMs && h.atMs <= toMs);
    return c.html(
      renderNode(assets, subject, {
        node,
        window,
        timeline,
        charts: buildNodeCharts(read.input, timeline, rulesNow()),
        alertHistory,
      }),
    );
  });

  return app;
}

function problemPage(assets: ConsoleAssets, subject: string, title: string, message: string): Html {
  return renderPage(assets, {
    title,
    subject,
    body: html`<h1>${title}</h1><p class="error">${message}</p><p><a href="/">Back to the fleet</a></p>`,
  });
}
