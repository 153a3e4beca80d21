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
  const at = parseHttpDate(text, nowMs);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`,
);
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/**
 * An HTTP-date (RFC 9110 §5.6.7) in ms since the epoch: IMF-fixdate, or the obsolete RFC 850 and
 * asctime forms, all in GMT. Date.parse alone is too lenient ("1.5" is a date in 2001 to V8) and
 * reads asctime as local time.
 */
function parseHttpDate(text: string, nowMs: number): number | undefined {
  type Parts = [day: string, month: string, year: number, hh: string, mm: string, ss: string];
  const imf = IMF_FIXDATE.exec(text);
  const rfc850 = imf ? null : RFC_850.exec(text);
  const asctime = imf || rfc850 ? null : ASCTIME.exec(text);
  let parts: Parts | undefined;
  if (imf) {
    parts = [imf[1], imf[2], Number(imf[3]), imf[4], imf[5], imf[6]] as Parts;
  } else if (rfc850) {
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110).
    const thisYear = new Date(nowMs).getUTCFullYear();
    let year = 2000 + Number(rfc850[3]);
    if (year > thisYear + 50) {
      year -= 100;
    }
    parts = [rfc850[1], rfc850[2], year, rfc850[4], rfc850[5], rfc850[6]] as Parts;
  } else if (asctime) {
    parts = [asctime[2], asctime[1], Number(asctime[6]), asctime[3], asctime[4], asctime[5]] as Parts;
  }
  if (!parts) {
    return undefined;
  }
  const [day, month, year, hh, mm, ss] = parts;
  return Date.UTC(year, MONTHS.indexOf(month), Number(day), Number(hh), Number(mm), Number(ss));
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
