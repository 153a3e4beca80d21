import { z } from 'zod';
import { isLoopbackHost } from '../loopback.ts';
import { byteSize, durationMs, flagBoolean, logLevel } from './fields.ts';

/**
 * The collector's forward sinks (ARCHITECTURE.md "Forward"). Each sink is a discriminated object
 * on `type`, strict, so a misspelt key is an error naming its path
 * (`forward.0.endpoint: expected a URL`) rather than a sink that silently does nothing.
 */
const sinkName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use letters, digits, ".", "_" and "-" (at most 64)');

const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'expected an http:// or https:// URL',
  });

const headers = z.record(z.string(), z.string()).default({});

/** Capped exponential backoff with jitter; the OpenTelemetry Collector's defaults, but never giving up. */
const retry = z
  .object({
    initialInterval: durationMs.default(5_000),
    maxInterval: durationMs.default(30_000),
    multiplier: z.number().min(1).max(10).default(1.5),
    randomizationFactor: z.number().min(0).max(1).default(0.5),
    /** Longest Retry-After honoured; a longer one is clamped to this. */
    maxRetryAfter: durationMs.default(300_000),
  })
  .strict()
  .default({
    initialInterval: 5_000,
    maxInterval: 30_000,
    multiplier: 1.5,
    randomizationFactor: 0.5,
    maxRetryAfter: 300_000,
  });

const common = {
  /** Names the sink's cursor in the store; defaults to `<type>-<index>`. Renaming one starts it over. */
  name: sinkName.optional(),
  /** Stored batches per request (they are merged into one OTLP request per signal). */
  maxBatchesPerRequest: z.number().int().min(1).max(10_000).default(64),
  /** Payload bytes per request, before compression; a single larger batch still goes alone. */
  maxBytesPerRequest: byteSize.default(4 * 1024 * 1024),
  /** Requests in flight; nodes are split across lanes so each node's batches stay in order. */
  concurrency: z.number().int().min(1).max(64).default(4),
  timeout: durationMs.default(10_000),
  retry,
};

const tls = z
  .object({
    /** PEM file of the CA(s) that sign the upstream's certificate. */
    ca: z.string().min(1).optional(),
    /** PEM client certificate and key, for mutual TLS. */
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    /** SNI / certificate name to check when it differs from the endpoint's host. */
    serverName: z.string().min(1).optional(),
  })
  .strict()
  .refine((value) => (value.cert === undefined) === (value.key === undefined), {
    message: 'cert and key go together',
  })
  .optional();

const otlpSinkSchema = z
  .object({
    type: z.literal('otlp'),
    ...common,
    /** Base URL; /v1/metrics and /v1/logs are appended, as OTEL_EXPORTER_OTLP_ENDPOINT does. */
    endpoint: httpUrl,
    encoding: z.enum(['protobuf', 'json']).default('protobuf'),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    headers,
    tls,
  })
  .strict();

const fileSinkSchema = z
  .object({
    type: z.literal('file'),
    ...common,
    /** Directory of OTLP JSON-lines files (the OpenTelemetry Collector file exporter's format). */
    dir: z.string().min(1),
    /** Rotate the current file once it reaches this size. */
    maxFileBytes: byteSize.default(64 * 1024 * 1024),
    concurrency: z.literal(1).default(1),
  })
  .strict();

const remoteWriteSinkSchema = z
  .object({
    type: z.literal('prometheus-remote-write'),
    ...common,
    /** The receiver's write URL, e.g. http://prometheus:9090/api/v1/write. */
    endpoint: httpUrl,
    headers,
    tls,
  })
  .strict();

const forwardSinkSchema = z.discriminatedUnion('type', [
  otlpSinkSchema,
  fileSinkSchema,
  remoteWriteSinkSchema,
]);

/**
 * `alerting`: rule files, the evaluation interval, and the notifiers. A webhook secret comes from
 * the environment (`secretEnv`) or a file (`secretFile`), or inline for tests; never logged.
 */
const webhookSchema = z
  .object({
    url: httpUrl,
    secret: z.string().min(16, 'use at least 16 characters').optional(),
    secretEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name')
      .optional(),
    secretFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((w) => [w.secret, w.secretEnv, w.secretFile].filter((v) => v !== undefined).length <= 1, {
    message: 'give at most one of secret, secretEnv, secretFile',
  });

const alertingSchema = z
  .object({
    /** Rule files (YAML, the model in deploy/rules/perimeter.rules.yaml); none means the default pack. */
    rules: z.array(z.string().min(1)).default([]),
    evaluationInterval: durationMs.default(15_000),
    /** Firing alerts are re-sent this often (Prometheus --rules.alert.resend-delay). */
    resendInterval: durationMs.default(60_000),
    /** Alertmanager base URLs; alerts go to <url>/api/v2/alerts. */
    alertmanager: z.array(httpUrl).default([]),
    webhooks: z.array(webhookSchema).default([]),
    /** Base of generatorURL; defaults to the collector's own URL. */
    externalUrl: httpUrl.optional(),
    notifyTimeout: durationMs.default(10_000),
  })
  .strict();

/**
 * `retention`: how long the collector keeps each kind of data, as the system of record for its
 * nodes. Enforced by serve every `checkInterval`: batches older than their class's age are pruned
 * whole (batch row, payload, and its events or sample block) and recorded in pruned_ranges, so the
 * hash chain still verifies. Before metric detail goes, it is folded into hourly per-series
 * summaries (min/max/sum/count/last) and per-node hourly activity, kept for `summaries`.
 * `storage.retention` is a different, optional limit: how long data already forwarded to every
 * configured sink is kept here (the backend holds it); it applies only when sinks are configured.
 * 0 keeps a class for ever.
 */
const keepFor = durationMs.or(z.literal(0));
const retentionSchema = z
  .object({
    /** Log batches and their events (logins, drift, lifecycle): a year covers an annual audit period. */
    events: keepFor.default(365 * 86_400_000),
    /** Metric batches and their raw samples. */
    metricDetail: keepFor.default(30 * 86_400_000),
    /** Hourly metric summaries and node activity made from pruned metric detail. */
    summaries: keepFor.default(400 * 86_400_000),
    checkInterval: durationMs.default(3_600_000),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.metricDetail !== 0 && value.summaries !== 0 && value.summaries < value.metricDetail) {
      ctx.addIssue({
        code: 'custom',
        path: ['summaries'],
        message:
          'must be at least retention.metricDetail (summaries stand in for pruned detail), or 0 to keep them',
      });
    }
  });

export const retentionDefaults = {
  events: 365 * 86_400_000,
  metricDetail: 30 * 86_400_000,
  summaries: 400 * 86_400_000,
  checkInterval: 3_600_000,
};

/**
 * `ingest`: what one node may put into the store, checked point by point after decoding. A point
 * or event outside these bounds is refused alone (OTLP partial_success, counted in
 * perimeter_ingest_rejects_total{reason}); the rest of its batch is stored.
 * Time window: at most `maxAhead` after receipt (a clock far ahead would pin /metrics for good),
 * and no older than `maxBehind`, which defaults to the data's own retention (retention.metricDetail
 * for points, retention.events for events; 0 there means no bound): anything older would be pruned
 * at once, while a node whose collector was down for days still delivers its whole spool.
 */
export const ingestDefaults = {
  maxAhead: 10 * 60_000,
  maxSeriesPerNode: 10_000,
  maxNewSeriesPerRequest: 2_000,
  maxAttributeKeyLength: 256,
  maxAttributesPerPoint: 64,
};
const ingestSchema = z
  .object({
    maxAhead: durationMs.default(ingestDefaults.maxAhead),
    /** Oldest accepted point or event, before receipt; default: that data's retention. */
    maxBehind: durationMs.optional(),
    /** Series one node may have in the store; points that would make more are refused. */
    maxSeriesPerNode: z.number().int().positive().default(ingestDefaults.maxSeriesPerNode),
    /** Series one request may create. */
    maxNewSeriesPerRequest: z.number().int().positive().default(ingestDefaults.maxNewSeriesPerRequest),
    /** Longest attribute key on a point or event, in characters. */
    maxAttributeKeyLength: z.number().int().positive().default(ingestDefaults.maxAttributeKeyLength),
    /** Most attributes on one point or event. */
    maxAttributesPerPoint: z.number().int().positive().default(ingestDefaults.maxAttributesPerPoint),
  })
  .strict();

const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT such as 127.0.0.1:4318');

export const collectorConfigSchema = z
  .object({
    listen: listenAddress.default('127.0.0.1:4318'),
    /**
     * Serve HTTPS with this certificate; with `clientCa`, also require a client certificate signed
     * by it (mTLS). Bearer tokens are still required either way: TLS proves the channel, the token
     * proves the node.
     */
    tls: z
      .object({
        cert: z.string().min(1),
        key: z.string().min(1),
        clientCa: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    dataDir: z.string().min(1).default('./.perimeter/collector'),
    logLevel: logLevel.default('info'),
    /** Print one human line per stored batch on stdout (the README demo turns this on). */
    logReadings: flagBoolean.default(false),
    limits: z
      .object({
        /** Largest request body on the wire (compressed). */
        maxBodyBytes: byteSize.default(8 * 1024 * 1024),
        /** Largest body after gunzip: the OTLP spec's recommended 64 MiB. */
        maxDecompressedBytes: byteSize.default(64 * 1024 * 1024),
        /** Largest number of data points plus log records in one request. */
        maxItemsPerRequest: z.number().int().positive().default(1_000_000),
        /** Largest POST /sign-in body (one token and a `next` path), refused before it is buffered. */
        signInBodyBytes: byteSize.default(4 * 1024),
        /** Largest body on any other non-OTLP route that sets no bound of its own. */
        defaultBodyBytes: byteSize.default(64 * 1024),
      })
      .default({
        maxBodyBytes: 8 * 1024 * 1024,
        maxDecompressedBytes: 64 * 1024 * 1024,
        maxItemsPerRequest: 1_000_000,
        signInBodyBytes: 4 * 1024,
        defaultBodyBytes: 64 * 1024,
      }),
    /** Per-node bounds on what ingest stores (time window, series, attributes); see ingestSchema. */
    ingest: ingestSchema.default(ingestDefaults),
    console: z
      .object({
        /**
         * Mark the session cookie Secure (and name it `__Host-…`) even when the request reaches the
         * collector over plain HTTP: set it when a TLS-terminating proxy sits in front, where the
         * collector itself never sees https. With `tls` set, cookies are Secure anyway.
         */
        secureCookies: flagBoolean.default(false),
      })
      .strict()
      .default({ secureCookies: false }),
    /**
     * `/metrics` shows every node, login counts, drift and audit counts. `token`: a scrape needs
     * `Authorization: Bearer <reader or admin token>` (Prometheus: `authorization.credentials_file`);
     * `none`: open. Unset: `token` when the collector listens off loopback, `none` when only on it
     * (see metricsAuth).
     */
    metrics: z
      .object({
        auth: z
          .enum(['token', 'none'], {
            message: 'metrics.auth is token (a reader or admin bearer token) or none',
          })
          .optional(),
      })
      .strict()
      .default({}),
    /** Sinks the store forwards to, each with its own cursor (ARCHITECTURE.md "Forward"). */
    forward: z
      .array(forwardSinkSchema)
      .default([])
      .superRefine((sinks, ctx) => {
        const seen = new Set<string>();
        sinks.forEach((sink, index) => {
          const name = sink.name ?? `${sink.type}-${index}`;
          if (seen.has(name)) {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `sink name "${name}" is used twice`,
            });
          }
          seen.add(name);
        });
      }),
    /** Disk quota of the store: forwarded data is pruned by retention first, unforwarded only at maxBytes. */
    storage: z
      .object({
        /**
         * Data every configured sink has forwarded is kept this long, then pruned (0 keeps it until
         * the quota). With no sink configured it prunes nothing: the `retention` policy governs.
         */
        retention: durationMs.or(z.literal(0)).default(30 * 86_400_000),
        /** Hard quota on the store's used bytes: past it the oldest data is dropped, forwarded or not. */
        maxBytes: byteSize.optional(),
        /** Treat the disk as full when less than this is free on the data directory's filesystem. */
        minFreeBytes: byteSize.default(256 * 1024 * 1024),
        /** How often pruning and the quota are checked. */
        checkInterval: durationMs.default(30_000),
      })
      .strict()
      .default({ retention: 30 * 86_400_000, minFreeBytes: 256 * 1024 * 1024, checkInterval: 30_000 }),
    /** How long each kind of data is kept (events, metric detail, summaries); see retentionSchema. */
    retention: retentionSchema.default(retentionDefaults),
    /** Alert rules the collector evaluates and where it sends them (ARCHITECTURE.md "Alerts"). */
    alerting: alertingSchema.optional(),
    /**
     * Signed checkpoints (docs/integrity.md). `signingKey`: the Ed25519 private key from
     * `perimeter-collector keys create`, kept OUTSIDE the data directory (another volume, or owned
     * by another user), so whoever can write the store cannot sign. Without it checkpoints are off.
     */
    integrity: z
      .object({
        signingKey: z.string().min(1).optional(),
        checkpointInterval: durationMs.default(3_600_000),
      })
      .strict()
      .default({ checkpointInterval: 3_600_000 }),
  })
  .strict();

export type CollectorConfig = z.output<typeof collectorConfigSchema>;

/**
 * Whether `/metrics` asks for a reader or admin token: `metrics.auth` when set, else `token` for a
 * listener reachable off this machine (0.0.0.0, a LAN address) and `none` for one on loopback only,
 * where only local processes can scrape.
 */
export function metricsAuth(config: Pick<CollectorConfig, 'listen' | 'metrics'>): 'token' | 'none' {
  if (config.metrics.auth !== undefined) {
    return config.metrics.auth;
  }
  const host = /^\[?([^\]]+)\]?:\d+$/.exec(config.listen)?.[1] ?? config.listen;
  return isLoopbackHost(host) ? 'none' : 'token';
}

export const collectorFlagKeys = ['listen', 'dataDir', 'logLevel', 'logReadings'] as const;
