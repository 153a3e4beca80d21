import { Hono } from 'hono';
import type { Rule } from '../alerts/rule-model.ts';
import { alertsRoutes } from '../api/alerts-routes.ts';
import { deadLetterRoutes } from '../api/dead-letter-routes.ts';
import { driftRoutes } from '../api/drift-routes.ts';
import { modelsRoutes } from '../api/models-routes.ts';
import { timelineRoutes } from '../api/timeline-routes.ts';
import { consoleRoutes } from '../console/console-routes.ts';
import type { AdmissionPolicy } from '../ingest/admission.ts';
import { ingestRoutes, type StoredBatchEvent } from '../ingest/routes.ts';
import { renderNodeSeries } from '../metrics/exposition.ts';
import type { SelfMetrics } from '../metrics/self-metrics.ts';
import { createReplayReader, type ReplayReader } from '../replay/replay-worker.ts';
import type { Store } from '../store/store.ts';
import type { VerifiedToken } from '../tokens/token-store.ts';
import { bearerAuth } from './auth.ts';
import { createFailedAuthLimiter } from './auth-limiter.ts';
import { BODY_LIMIT_DEFAULTS, limitBodiesExceptIngest, limitBody } from './body-limit.ts';
import { clientCertificateMatchesToken } from './client-certificate.ts';
import { createErrorHandler, type ErrorLog, HttpError } from './errors.ts';
import type { BodyLimits } from './read-body.ts';

/** The collector's HTTP surface, composed from its routers; no socket here, so tests use app.request. */
export interface AppDeps {
  store: Store;
  metrics: SelfMetrics;
  verifyToken: (presented: string) => VerifiedToken | null;
  /** Per-item ingest bounds (ingest/admission.ts); default DEFAULT_ADMISSION. */
  admission?: AdmissionPolicy;
  limits: BodyLimits & { maxItemsPerRequest: number; signInBodyBytes?: number; defaultBodyBytes?: number };
  nowMs: () => number;
  log: ErrorLog;
  isReady: () => boolean;
  staleAfterMs?: number;
  onStored?: (event: StoredBatchEvent) => void;
  /** Alert rules, for the thresholds the console draws on temperature charts. */
  consoleRules?: () => readonly Rule[];
  /** `console.secureCookies`: Secure, `__Host-` session cookies behind a TLS-terminating proxy. */
  secureCookies?: boolean;
  /** Replay reader (default: a worker thread over the store file, replay/replay-worker.ts). */
  replay?: ReplayReader;
  /**
   * `token`: /metrics needs a reader or admin bearer token, like the read API (serve resolves
   * `metrics.auth` with metricsAuth: token off loopback). Default `none`.
   */
  metricsAuth?: 'token' | 'none';
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const reservedNames = new Set<string>();

  const onError = createErrorHandler(deps.log, (error, c) => {
    deps.metrics.rejects.inc({ reason: error.code });
    const signal = /^\/v1\/(metrics|logs)$/.exec(c.req.path)?.[1];
    if (signal) {
      deps.metrics.batches.inc({ signal, result: 'rejected' });
    }
  });
  app.onError(onError);
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  // Bodies are bounded before anything reads them: sign-in tightly, every other route by default.
  app.use('*', limitBodiesExceptIngest(deps.limits.defaultBodyBytes ?? BODY_LIMIT_DEFAULTS.other));
  app.use('/sign-in', limitBody(deps.limits.signInBodyBytes ?? BODY_LIMIT_DEFAULTS.signIn));
  // Then the console (src/console/) answers every path the machine API below does not own, as an app
  // of its own, so its security headers and its 404 cover all of it.
  app.use('*', async function consolePaths(c, next) {
    if (isMachinePath(c.req.path)) {
      return next();
    }
    return consoleApp.fetch(c.req.raw, c.env);
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) =>
    deps.isReady() ? c.json({ status: 'ready' }) : c.json({ status: 'not ready' }, 503),
  );

  // /metrics and the read API are one audience (reader and admin tokens): one check, one failed-auth
  // limiter per (address, token id), so a scraper with a bad token is throttled wherever it knocks.
  const readAuth = bearerAuth({
    verifyToken: deps.verifyToken,
    roles: ['reader', 'admin'],
    limiter: createFailedAuthLimiter(),
  });
  if (deps.metricsAuth === 'token') {
    app.use('/metrics', readAuth);
  }
  app.get('/metrics', async (c) => {
    const own = await deps.metrics.registry.metrics();
    if (reservedNames.size === 0) {
      for (const metric of deps.metrics.registry.getMetricsAsArray()) {
        reservedNames.add(metric.name);
      }
    }
    // `?nodes=false`: the collector's own series only. A shared TSDB that already receives every
    // node sample by remote write scrapes this way, so node series are not stored twice.
    const nodes =
      c.req.query('nodes') === 'false'
        ? ''
        : renderNodeSeries(deps.store, {
            nowMs: deps.nowMs(),
            staleAfterMs: deps.staleAfterMs ?? 5 * 60_000,
            reservedNames,
          });
    return c.body(`${nodes}${own}`, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  // The read API: reader and admin tokens; a node token may only send its own data.
  app.use('/api/v1/*', readAuth);
  app.route('/', driftRoutes(deps));
  app.route('/', modelsRoutes(deps));
  app.route('/', deadLetterRoutes(deps));
  // Chain verification runs off the main thread, so an investigator's replay never stalls ingest.
  const replay = deps.replay ?? createReplayReader(deps.store.dataDir);
  app.route('/', timelineRoutes({ ...deps, replay }));
  app.route('/', alertsRoutes(deps));

  // The console: read-only pages at `/`, signed in with a reader or admin token (src/console/).
  const consoleApp = consoleRoutes({
    store: deps.store,
    verifyToken: deps.verifyToken,
    nowMs: deps.nowMs,
    log: deps.log,
    onError,
    rules: deps.consoleRules,
    replay,
    secureCookies: deps.secureCookies,
  });

  app.use('/v1/*', bearerAuth({ verifyToken: deps.verifyToken, roles: ['node'] }));
  // With mTLS, the client certificate must name the token's node.
  app.use('/v1/*', clientCertificateMatchesToken());
  app.route('/', ingestRoutes(deps));
  app.all('/v1/*', (c) => {
    throw new HttpError(
      405,
      `${c.req.method} ${c.req.path} is not an OTLP endpoint (POST /v1/metrics or /v1/logs)`,
      {
        code: 'method_not_allowed',
      },
    );
  });
  return app;
}

/** The paths machines call: health, Prometheus scrape, the read API and OTLP ingest. */
export function isMachinePath(path: string): boolean {
  return (
    path === '/healthz' ||
    path === '/readyz' ||
    path === '/metrics' ||
    path === '/api' ||
    path.startsWith('/api/') ||
    path === '/v1' ||
    path.startsWith('/v1/')
  );
}
