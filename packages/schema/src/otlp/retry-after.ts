/**
 * `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, in milliseconds from `nowMs`;
 * undefined when absent or unreadable. The one parser in the repository: the agent's shipper and
 * the collector's forward sinks both read the header through it.
 */
export function parseRetryAfterMs(
  header: string | readonly string[] | null | undefined,
  nowMs: number,
): number | undefined {
  const value = typeof header === 'string' ? header : header?.[0];
  if (value === undefined || value.trim() === '') {
    return undefined;
  }
  const text = value.trim();
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
 * asctime forms that a recipient must still accept, all in GMT. Not Date.parse: it is too lenient
 * ("1.5" is a date in 2001 to V8) and reads asctime as local time.
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
