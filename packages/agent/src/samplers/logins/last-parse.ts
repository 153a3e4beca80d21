/**
 * `last` output → backfill login events (wtmp keeps the logins that happened before the agent ran).
 * Every row is a successful login: wtmp records sessions, not failures (those are in btmp, `lastb`).
 * Method: `ssh` when a remote host is shown, otherwise `console` (console, ttyN, and macOS
 * `ttysNNN` rows, which are Terminal windows going through login(1)). `reboot`, `shutdown`,
 * `runlevel` pseudo-users and the `wtmp begins` trailer are skipped. `process` is `last`: the row
 * does not say which program wrote it.
 *
 * - macOS (`last` with no options): `kbrazil   ttys002   Fri Feb 28 14:45   still logged in`; the
 *   date has no year. Rows are newest first, so the year starts at `nowMs`'s (the previous one if
 *   the first row would be in the future) and goes one back each time the month goes up.
 * - Linux: run `last` with LAST_LINUX_ARGV (`--time-format iso -w`: full user and host names, and a
 *   zoned ISO time, so no year guessing): `alice  pts/0  203.0.113.9  2026-01-02T03:04:05+01:00 - …`.
 */
import { AuthMethods, AuthOutcomes } from '@perimeter/schema';
import { monthIndex, parseZonedTimestamp, wallClockToMs } from './log-time.ts';
import type { LoginEvent } from './login-event.ts';
import { scrubMessage, scrubUserName } from './scrub.ts';

export const LAST_LINUX_ARGV = ['--time-format', 'iso', '-w'] as const;

export interface LastOptions {
  /** When `last` ran: the year of year-less macOS rows counts back from it. */
  nowMs: number;
  /** The host's zone, minutes east of UTC; default: the system's zone. */
  timeZoneOffsetMinutes?: number;
}

const PSEUDO_USERS = new Set(['reboot', 'shutdown', 'runlevel', 'wtmp', 'btmp']);
const MACOS_ROW =
  /^(\S+)\s+(\S+)\s+(?:(\S+)\s+)?(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2})/;
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})/;

function isLocalDisplay(host: string): boolean {
  // X11/Wayland sessions show the display (`:0`, `:0.0`) where a remote login shows its host.
  return /^:\d+(?:\.\d+)?$/.test(host);
}

function event(timeMs: number, rawUser: string, tty: string, host: string | null, line: string): LoginEvent {
  const remote = host !== null && host !== '' && !isLocalDisplay(host);
  return {
    timeMs,
    outcome: AuthOutcomes.success,
    method: remote ? AuthMethods.ssh : AuthMethods.console,
    user: scrubUserName(rawUser),
    sourceAddress: remote ? host : null,
    sourcePort: null,
    process: 'last',
    message: scrubMessage(line.trimEnd(), rawUser),
    detail: `tty ${tty}`,
  };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * macOS `last` output, newest first; year-less dates resolved against `options.nowMs`. The weekday
 * is a check on the year: when the month rule gives a year whose calendar disagrees (a whole year
 * with no logins between two rows), the nearest earlier year that agrees is taken.
 */
export function parseLastMacos(text: string, options: LastOptions): LoginEvent[] {
  const offsetAt = (ms: number) => options.timeZoneOffsetMinutes ?? -new Date(ms).getTimezoneOffset();
  const events: LoginEvent[] = [];
  let year = new Date(options.nowMs + offsetAt(options.nowMs) * 60_000).getUTCFullYear();
  let previousMonth: number | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const m = MACOS_ROW.exec(raw);
    if (!m || raw.startsWith('wtmp begins')) continue;
    const [, user, tty, host, weekday, monthName, dayText, hour, minute] = m;
    const month = monthIndex(monthName!);
    const day = Number(dayText);
    if (month < 0) continue;
    const at = (y: number) =>
      wallClockToMs(y, month, day, Number(hour), Number(minute), 0, 0, offsetAt(Date.UTC(y, month, day)));
    if (previousMonth === null) {
      const candidate = at(year);
      if (candidate !== null && candidate > options.nowMs + 86_400_000) year -= 1;
    } else if (month > previousMonth) {
      year -= 1; // newest first: a later month below an earlier one is the year before
    }
    const wanted = WEEKDAYS.indexOf(weekday!);
    for (let back = 0; back < 7; back++) {
      if (new Date(Date.UTC(year - back, month, day)).getUTCDay() === wanted) {
        year -= back;
        break;
      }
    }
    previousMonth = month;
    if (PSEUDO_USERS.has(user!) || tty === '~') continue;
    const timeMs = at(year);
    if (timeMs === null) continue;
    events.push(event(timeMs, user!, tty!, host ?? null, raw));
  }
  return events;
}

/** Linux `last --time-format iso -w` output; rows without a zoned ISO time are skipped. */
export function parseLastLinux(text: string): LoginEvent[] {
  const events: LoginEvent[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const time = ISO_TIME.exec(raw);
    if (!time || raw.startsWith('wtmp begins') || raw.startsWith('btmp begins')) continue;
    const columns = raw.slice(0, time.index).trim().split(/\s+/);
    const [user, tty, ...hostParts] = columns;
    if (user === undefined || tty === undefined || PSEUDO_USERS.has(user)) continue;
    const timeMs = parseZonedTimestamp(time[0]);
    if (timeMs === null) continue;
    events.push(event(timeMs, user, tty, hostParts.length > 0 ? hostParts.join(' ') : null, raw));
  }
  return events;
}
