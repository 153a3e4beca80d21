/**
 * Text log lines → LoginEvent. Three shapes share `host proc[pid]: message` after the time:
 * (a) classic BSD syslog, /var/log/auth.log and /var/log/secure: `Jan  2 03:04:05 host sshd[1]: msg`;
 *     no year and no zone, so the caller injects `nowMs` (the year is now's, or the previous one
 *     when that would be more than a day in the future) and the host's zone as
 *     `timeZoneOffsetMinutes` (minutes east of UTC; left out, the system's own zone at that date is
 *     used, which is what rsyslog wrote the line in);
 * (b) RFC 3339, rsyslog's high-precision format and Debian 12's default:
 *     `2026-01-02T03:04:05.123456+00:00 host sshd[1]: msg`;
 * (c) macOS `log stream --style syslog`: `2026-09-13 12:31:09.292032-0700 localhost sshd-session[16472]: msg`
 *     (the Wazuh captures put two spaces before the host).
 */

import { loginEventFromMessage } from './auth-message-parse.ts';
import { monthIndex, parseZonedTimestamp, resolveYearlessTime } from './log-time.ts';
import type { LoginEvent } from './login-event.ts';

export interface SyslogLine {
  timeMs: number;
  host: string;
  process: string;
  pid: number | null;
  message: string;
}

export interface SyslogTimeOptions {
  /** Reference time for year-less lines (the time the line was read). */
  nowMs: number;
  /** The writing host's zone, minutes east of UTC; default: the system's zone. */
  timeZoneOffsetMinutes?: number;
}

const TAIL = String.raw`\s+(\S+) ([^\s\[:]+)(?:\[(\d+)\])?: ?(.*)$`;
const CLASSIC = new RegExp(String.raw`^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})${TAIL}`, 's');
const ZONED = new RegExp(
  String.raw`^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2}))${TAIL}`,
  's',
);

/** The parts of one syslog-style line, or null when it has none of the three shapes. */
export function parseSyslogLine(line: string, options: SyslogTimeOptions): SyslogLine | null {
  const text = line.replace(/\r?\n$/, '').replace(/\r$/, '');
  let timeMs: number | null;
  let tail: string[];
  const classic = CLASSIC.exec(text);
  if (classic) {
    const month = monthIndex(classic[1]!);
    if (month < 0) return null;
    timeMs = resolveYearlessTime(
      month,
      Number(classic[2]),
      Number(classic[3]),
      Number(classic[4]),
      Number(classic[5]),
      options.nowMs,
      options.timeZoneOffsetMinutes,
    );
    tail = classic.slice(6);
  } else {
    const zoned = ZONED.exec(text);
    if (!zoned) return null;
    timeMs = parseZonedTimestamp(zoned[1]!.replace(' ', 'T'));
    tail = zoned.slice(2);
  }
  if (timeMs === null) return null;
  const [host, process, pid, message] = tail;
  return {
    timeMs,
    host: host!,
    process: process!,
    pid: pid === undefined ? null : Number(pid),
    message: message!,
  };
}

/** One auth.log / secure / `log stream --style syslog` line → a login event, or null. */
export function parseSyslogLoginLine(line: string, options: SyslogTimeOptions): LoginEvent | null {
  const parsed = parseSyslogLine(line, options);
  if (parsed === null) return null;
  return loginEventFromMessage(parsed.timeMs, parsed.process, parsed.message);
}
