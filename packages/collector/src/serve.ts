import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { serve } from '@hono/node-server';
import { type CollectorConfig, ConfigError, metricsAuth } from '@perimeter/schema';
import type { Logger } from 'pino';
import { type AlertingService, registerClockSkewGauge, startAlerting } from './alerts/alerting-service.ts';
import { DEFAULT_RULES_FILE, loadRuleFiles } from './alerts/load-rules.ts';
import { startRetentionJob } from './evidence/retention-job.ts';
import { sinkNames, startForwardService } from './forward/forward-service.ts';
import { createApp } from './http/app.ts';
import { warnIfCleartextListen } from './http/cleartext-warning.ts';
import { admissionPolicy } from './ingest/admission-config.ts';
import { exportCheckpoint } from './integrity/checkpoint-export.ts';
import { startCheckpointJob } from './integrity/checkpoint-job.ts';
import { createSelfMetrics } from './metrics/self-metrics.ts';
import { formatStoredBatch } from './reading-printer.ts';
import { ensureDataDir } from './store/db.ts';
import { acquireInstanceLock } from './store/instance-lock.ts';
import { openStore } from './store/store.ts';
import { createTokenVerifier } from './tokens/token-store.ts';

/**
 * `perimeter-collector serve`: one process, one store, one port, and the stages on it (forward
 * with its quota, retention, alerting). Shutdown order keeps the
 * durability promise: stop accepting, let in-flight requests finish (each commits before it
 * answers), checkpoint the latest values, close the database.
 */
export interface RunningCollector {
  url: string;
  stop(): Promise<void>;
}

export async function startCollector(
  config: CollectorConfig,
  log: Logger,
  nowMs: () => number = Date.now,
): Promise<RunningCollector> {
  // The instance lock first: a refused second `serve` must not open the store (and start its
  // checkpoint worker, which would keep the refused process alive) in a directory another owns.
  ensureDataDir(config.dataDir);
  const lock = acquireInstanceLock(config.dataDir);
  let store: ReturnType<typeof openStore>;
  try {
    store = openStore({ dataDir: config.dataDir, backgroundCheckpoints: true });
  } catch (error) {
    lock.release();
    throw error;
  }
  const metrics = createSelfMetrics(store, { sinks: sinkNames(config), nowMs });
  // The two pruning policies: the forward quota (storage.*) and retention (retention.*); both
  // hand their plans to store.prune.
  const forward = startForwardService({ config, store, metrics: metrics.forward, log, nowMs });
  const retention = startRetentionJob({ config, store, log, nowMs });
  // Signed checkpoints over everything the store holds (docs/integrity.md).
  const checkpoints = startCheckpointJob({
    config,
    store,
    log,
    nowMs,
    onCheckpoint: (checkpoint) => {
      exportCheckpoint(config, checkpoint);
      // OTLP and remote-write sinks send it from the store, past their checkpoint cursor.
      forward.wake();
    },
  });
  const observeClock = registerClockSkewGauge(metrics.registry, nowMs);
  let ready = false;
  const app = createApp({
    store,
    metrics,
    verifyToken: createTokenVerifier(store),
    limits: config.limits,
    admission: admissionPolicy(config),
    secureCookies: config.console.secureCookies,
    metricsAuth: metricsAuth(config),
    nowMs,
    log,
    isReady: () => ready,
    consoleRules: () =>
      loadRuleFiles(config.alerting?.rules?.length ? config.alerting.rules : [DEFAULT_RULES_FILE]).rules,
    onStored: (event) => {
      forward.wake();
      observeClock(event);
      if (config.logReadings) {
        const line = formatStoredBatch(event, nowMs());
        if (line !== '') {
          process.stdout.write(`${line}\n`);
        }
      }
    },
  });

  const { hostname, port } = splitListen(config.listen);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve(
      { fetch: app.fetch, hostname, port, ...(config.tls ? httpsOptions(config.tls) : {}) },
      () => resolve(started),
    );
    started.once('error', reject);
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `${config.tls ? 'https' : 'http'}://${hostname.includes(':') ? `[${hostname}]` : hostname}:${boundPort}`;
  // Alerting runs when the config has an `alerting` key (rules default to deploy/rules/perimeter.rules.yaml).
  let alerting: AlertingService | undefined;
  if (config.alerting) {
    try {
      alerting = startAlerting({ config, store, registry: metrics.registry, url, nowMs, log });
    } catch (error) {
      server.close();
      retention.stop();
      checkpoints.stop();
      await forward.stop();
      await store.close();
      lock.release();
      throw error;
    }
  }
  const checkpointTimer = setInterval(() => store.checkpoint(), 5_000);
  checkpointTimer.unref();
  ready = true;
  log.info({ url, dataDir: config.dataDir, metricsAuth: metricsAuth(config) }, 'collector listening');
  warnIfCleartextListen({ hostname, url, tls: config.tls !== undefined }, log);

  return {
    url,
    async stop() {
      ready = false;
      clearInterval(checkpointTimer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Requests in flight get a few seconds to commit and answer; lingering keep-alive sockets do not hold the exit.
      const force = setTimeout(
        () => (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.(),
        5_000,
      );
      await closed;
      clearTimeout(force);
      await alerting?.stop();
      retention.stop();
      checkpoints.stop();
      await forward.stop();
      await store.close();
      lock.release();
      log.info('collector stopped');
    },
  };
}

export function splitListen(listen: string): { hostname: string; port: number } {
  const match = /^\[?([^\]]+)\]?:(\d+)$/.exec(listen);
  if (!match) {
    throw new RangeError(`listen address "${listen}" is not HOST:PORT`);
  }
  return { hostname: match[1] as string, port: Number(match[2]) };
}

/**
 * HTTPS for @hono/node-server: the certificate files are read once at start (a missing or bad
 * file fails start-up, naming it); with a client CA, every connection must present a client
 * certificate it signed, checked by TLS before any request is read.
 */
function httpsOptions(tls: NonNullable<CollectorConfig['tls']>) {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(
        `tls.${what}`,
        `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  };
  return {
    createServer: createHttpsServer,
    serverOptions: {
      cert: read('cert', tls.cert),
      key: read('key', tls.key),
      ...(tls.clientCa === undefined
        ? {}
        : { ca: read('clientCa', tls.clientCa), requestCert: true, rejectUnauthorized: true }),
    },
  };
}
