import { Hono } from 'hono';
import { createAlertStore } from '../alerts/alert-store.ts';
import type { Rule } from '../alerts/rule-model.ts';
import { timelineRoutes } from '../api/timeline-routes.ts';
import { readModelInventory } from '../derive/model-inventory.ts';
import { createErrorHandler } from '../http/errors.ts';
import { loadConsoleAssets } from './assets.ts';
import type { ConsoleContext, ConsoleDeps } from './console-context.ts';
import { consoleHeaders, sameOriginPosts, socketAddress } from './console-security.ts';
import { alertsPage } from './pages/alerts.ts';
import { fleetPage } from './pages/fleet.ts';
import { modelsPage } from './pages/models.ts';
import { nodePage } from './pages/node.ts';
import { problemPage } from './problem-page.ts';
import { createSessionGates } from './session-gates.ts';
import { createSessionStore } from './session-store.ts';
import { signInRoutes } from './sign-in.ts';
import { createSignInAudit } from './sign-in-audit.ts';
import { createSignInLimiter } from './sign-in-limiter.ts';

export type { ConsoleDeps } from './console-context.ts';
export { SESSION_COOKIE } from './session-gates.ts';

/**
 * The console: read-only pages on the collector's own port, an app of its own that the collector
 * hands every path its machine API does not own (http/app.ts). Its first middleware sets the
 * security headers (CSP and the rest, console-security.ts) on every response it gives, pages,
 * assets, redirects, errors and its 404 alike, so a new page cannot miss them. Every page and
 * JSON call needs a live session (session-gates.ts); signing in and out is sign-in.ts.
 * Everything shown is escaped by hono/html; no script runs inline.
 *
 * A page is one file in pages/ exporting `xxxPage(ctx): Hono` (its routes, each behind
 * ctx.requirePage or ctx.requireJson, and its rendering), listed in PAGES below.
 */
const PAGES: ReadonlyArray<(ctx: ConsoleContext) => Hono> = [fleetPage, alertsPage, modelsPage, nodePage];

export function consoleRoutes(deps: ConsoleDeps): Hono {
  const app = new Hono();
  const assets = deps.assets ?? loadConsoleAssets();
  const sessions = deps.sessions ?? createSessionStore({ nowMs: deps.nowMs });
  const gates = createSessionGates(sessions, deps.store.tokens, deps.nowMs, deps.secureCookies);
  const api = timelineRoutes(deps);
  api.onError(createErrorHandler(deps.log));

  app.use('*', consoleHeaders());
  app.use('*', sameOriginPosts());
  app.onError(deps.onError ?? createErrorHandler(deps.log));
  app.notFound((c) =>
    c.html(problemPage(assets, undefined, 'Not found', `There is no console page at ${c.req.path}.`), 404),
  );

  app.route('/', assets.routes);
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.route(
    '/',
    signInRoutes({
      assets,
      sessions,
      gates,
      limiter: createSignInLimiter({ nowMs: deps.nowMs, ...deps.signInLimit }),
      audit: createSignInAudit(deps.store.audit, deps.nowMs),
      verifyToken: deps.verifyToken,
      clientAddress: deps.clientAddress ?? socketAddress,
      secureCookies: deps.secureCookies,
    }),
  );

  const ctx: ConsoleContext = {
    fleet: { store: deps.store, reads: deps.store.console },
    models: () => readModelInventory(deps.store),
    alerts: createAlertStore(deps.store),
    assets,
    nowMs: deps.nowMs,
    silentAfterMs: deps.silentAfterMs,
    replay: deps.replay,
    rules: loadRulesOnce(deps),
    api,
    requirePage: gates.requirePage,
    requireJson: gates.requireJson,
  };
  for (const page of PAGES) {
    app.route('/', page(ctx));
  }
  return app;
}

function loadRulesOnce(deps: ConsoleDeps): () => readonly Rule[] {
  let rules: readonly Rule[] | undefined;
  return () => {
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
}
