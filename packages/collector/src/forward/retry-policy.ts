/**
 * When to retry, and how long to wait: pure functions, with the random source injected. Retryable
 * are network errors and 429/502/503/504 (OTLP/HTTP spec); a remote-write receiver also asks for a
 * retry with any 5xx (remote-write spec). Everything else in 4xx/5xx is permanent and dead-lettered.
 * Backoff never gives up while the data is on disk: the store, not a timer, bounds what waits.
 */
export interface RetryConfig {
  initialInterval: number;
  maxInterval: number;
  multiplier: number;
  randomizationFactor: number;
  maxRetryAfter: number;
}

export type ResponseClass = 'ok' | 'retryable' | 'permanent';

export function classifyStatus(status: number, protocol: 'otlp' | 'remote-write'): ResponseClass {
  if (status >= 200 && status < 300) {
    return 'ok';
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return 'retryable';
  }
  if (protocol === 'remote-write' && status >= 500) {
    return 'retryable';
  }
  return 'permanent';
}

/** `Retry-After` as seconds or an HTTP-date, in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header.trim() === '') {
    return undefined;
  }
  const text = header.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The wait before retry number `attempt` (1-based): initial × multiplier^(attempt-1), capped, then
 * spread by ±randomizationFactor; a server's Retry-After is a floor (OTel's retry_sender.go).
 */
export function backoffDelayMs(
  attempt: number,
  config: RetryConfig,
  random: () => number,
  retryAfterMs?: number,
): number {
  const base = Math.min(
    config.maxInterval,
    config.initialInterval * config.multiplier ** Math.max(0, attempt - 1),
  );
  const spread = base * config.randomizationFactor;
  const jittered = base - spread + random() * 2 * spread;
  const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, config.maxRetryAfter);
  return Math.max(Math.round(jittered), floor);
}
