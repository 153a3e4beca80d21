/**
 * The retry policy as pure functions (no clock, timers or Math.random inside), so every branch is
 * tested by value. It follows OTLP/HTTP exactly: 429/502/503/504 and network failures are
 * transient; any other 4xx/5xx, 500 included, must not be retried (delivery-anchors §2), with one
 * local exception: 401/403 keep the data, because a rotated token is an operator fix, not bad data.
 */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /** full: uniform in [0, base]; equal: uniform in [base/2, base] (never hammers a dead peer). */
  jitter: Jitter;
}

export const defaultBackoffPolicy: BackoffPolicy = {
  initialMs: 500,
  maxMs: 10_000,
  multiplier: 1.5,
  jitter: 'equal',
};

/** Delay before retry number `attempt` (1 = first retry). `random` returns [0, 1). */
export function computeBackoffMs(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** exponent);
  switch (policy.jitter) {
    case 'full':
      return Math.round(random() * base);
    case 'equal':
      return Math.round(base / 2 + (random() * base) / 2);
    case 'none':
      return Math.round(base);
  }
}

/** `Retry-After` as delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) {
    return undefined;
  }
  const text = header.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  if (!/[a-z]/i.test(text)) {
    return undefined;
  }
  const atMs = Date.parse(text);
  return Number.isNaN(atMs) ? undefined : Math.max(0, atMs - nowMs);
}

export type ResponseClass = 'ok' | 'retryable' | 'auth' | 'rejected';

/** `network-error` covers refused connections, resets, DNS failures and request timeouts. */
export function classifyResponse(status: number | 'network-error'): ResponseClass {
  if (status === 'network-error') {
    return 'retryable';
  }
  if (status >= 200 && status < 300) {
    return 'ok';
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return 'retryable';
  }
  if (status === 401 || status === 403) {
    return 'auth';
  }
  return 'rejected';
}
