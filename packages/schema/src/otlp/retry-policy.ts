/**
 * When an export is retried, and how long to wait: pure functions, with the random source
 * injected (OpenTelemetry JS `isExportHTTPErrorRetryable` and the retrying transport's backoff,
 * otlp-exporter-base). Network errors and 429/502/503/504 are transient (OTLP/HTTP spec); a
 * Prometheus remote-write receiver also asks for a retry with any 5xx (remote-write spec). 401/403
 * are told apart so a caller can keep data a rotated token refused; every other 4xx/5xx is
 * permanent. Backoff never gives up while data is on disk: the spool or store bounds what waits.
 */
export type ExportProtocol = 'otlp' | 'remote-write';
export type ExportVerdict = 'ok' | 'retryable' | 'auth' | 'rejected';

export function classifyExportStatus(
  status: number | 'network-error',
  protocol: ExportProtocol = 'otlp',
): ExportVerdict {
  if (status === 'network-error') return 'retryable';
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429 || status === 502 || status === 503 || status === 504) return 'retryable';
  if (protocol === 'remote-write' && status >= 500) return 'retryable';
  if (status === 401 || status === 403) return 'auth';
  return 'rejected';
}

export interface BackoffPolicy {
  initialMs: number;
  /** The cap: no wait is longer, jitter included (a Retry-After floor aside). */
  maxMs: number;
  multiplier: number;
  /** The wait is spread uniformly over base × [1 − f, 1 + f], so peers do not retry in step. */
  randomizationFactor: number;
  /** Longest Retry-After honoured; a longer one is clamped, so a broken header cannot stall delivery. */
  maxRetryAfterMs: number;
}

/**
 * The wait before retry number `attempt` (1-based): initial × multiplier^(attempt−1), jittered,
 * capped at maxMs; a server's Retry-After is a floor (OTel Collector's retry_sender). `random`
 * returns [0, 1).
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt - 1));
  const spread = base * policy.randomizationFactor;
  const jittered = Math.min(policy.maxMs, base - spread + random() * 2 * spread);
  const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return Math.max(Math.round(jittered), floor);
}
