/**
 * Timestamps of the log formats in this folder, parsed by hand: Date.parse accepts too much
 * (and differs between engines on 6-digit fractions), and a bad date must be null, not NaN.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 0-based month of a syslog/`last` month abbreviation, or -1. */
export function monthIndex(name: string): number {
  return MONTHS.indexOf(name);
}

/**
 * UTC ms of a wall-clock time, or null when a field is out of range (Feb 30, 24:00…).
 * `offsetMinutes` is the zone's offset east of UTC (+120 for CEST, -420 for PDT).
 */
export function wallClockToMs(
  year: number,
  month0: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fractionMs: number,
  offsetMinutes: number,
): number | null {
  if (![year, month0, day, hour, minute, second, fractionMs, offsetMinutes].every(Number.isFinite))
    return null;
  if (month0 < 0 || month0 > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return null;
  const utc = Date.UTC(year, month0, day, hour, minute, Math.min(second, 59));
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month0) return null;
  return utc + fractionMs - offsetMinutes * 60_000;
}

/** The host's own offset east of UTC at about `ms` (the opposite sign of getTimezoneOffset). */
export function systemOffsetMinutes(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

/** `.123456` → 123 (whole ms: finer digits are dropped, as OTel's ms-based APIs would); '' → 0. */
export function fractionToMs(fraction: string | undefined): number {
  if (fraction === undefined || fraction === '') return 0;
  return Number(fraction.replace(/^[.,]/, '').slice(0, 3).padEnd(3, '0'));
}

/** `+0530`, `-07:00`, `Z` → minutes east of UTC, or null. */
export function parseZoneOffset(zone: string): number | null {
  if (zone === 'Z' || zone === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  if (Number(m[2]) > 14 || Number(m[3]) > 59) return null;
  return m[1] === '-' ? -minutes : minutes;
}

const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})([.,]\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An ISO-8601-like timestamp with an explicit zone: RFC 3339 (`2026-01-02T03:04:05.123456+00:00`),
 * macOS `log` (`2025-10-01 10:20:30.123456-0700`), util-linux `last --time-format iso`
 * (`2026-01-02T03:04:05+0100`). A timestamp without a zone is rejected (which zone would it be?).
 */
export function parseZonedTimestamp(text: string): number | null {
  const m = ISO_LIKE.exec(text);
  if (!m) return null;
  const offset = parseZoneOffset(m[8]!);
  if (offset === null) return null;
  return wallClockToMs(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    fractionToMs(m[7]),
    offset,
  );
}

/** macOS unified-log `timestamp` (`2025-10-01 10:20:30.123456-0700`) → ms since the epoch, or null. */
export function parseUnifiedLogTimestamp(text: string): number | null {
  return parseZonedTimestamp(text);
}

/**
 * A year-less local time (classic syslog `Jan  2 03:04:05`, macOS `last`): the year is the one of
 * `nowMs`, or the one before when that would put the time more than a day in the future (a December
 * line read in January). A day of slack allows for clocks and zones that disagree a little.
 */
export function resolveYearlessTime(
  month0: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  nowMs: number,
  offsetMinutes: number | undefined,
): number | null {
  const offset = offsetMinutes ?? systemOffsetMinutes(nowMs);
  const year = new Date(nowMs + offset * 60_000).getUTCFullYear();
  for (const y of [year, year - 1]) {
    const ms = wallClockToMs(
      y,
      month0,
      day,
      hour,
      minute,
      second,
      0,
      offsetMinutes ?? systemOffsetMinutes(Date.UTC(y, month0, day)),
    );
    if (ms !== null && ms <= nowMs + 86_400_000) return ms;
    // Feb 29 in a non-leap current year: the previous candidates are tried in turn.
  }
  return null;
}
