import type { Clock } from '../../host/clock.ts';
import { createFileFollower } from '../follow-file.ts';
import type { EventStream, Logger } from '../types.ts';
import { parseSyslogLoginLine } from './syslog-line-parse.ts';
import { loginEventReadings } from './to-event-reading.ts';

/**
 * Follows /var/log/auth.log (Debian) or /var/log/secure (RHEL), or the path the operator
 * configured (follow-file.ts: polled, rotation-safe, cursor committed with the events). On the very
 * first start it begins at the end of the file: history comes from `last` instead.
 */
export interface AuthLogSourceOptions {
  path: string;
  clock: Clock;
  log: Logger;
  pollMs?: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const AUTH_LOG_SOURCE = 'logins:auth-log';

/** What to do when the auth log cannot be read (said in probe and in the source_down event). */
export const AUTH_LOG_FIXES = {
  permissionDenied:
    'add the agent user to the group that owns the file (adm on Debian and Ubuntu; deploy/systemd does it)',
  notFound:
    'set logins.authLog to the auth log this host writes (/var/log/auth.log or /var/log/secure), or install rsyslog',
};

export function createAuthLogSource(options: AuthLogSourceOptions): EventStream {
  return createFileFollower({
    ...options,
    name: AUTH_LOG_SOURCE,
    label: 'auth log',
    fixes: AUTH_LOG_FIXES,
    toEvents: (lines, nowMs) =>
      lines.flatMap((line) => {
        const login = parseSyslogLoginLine(line, { nowMs });
        return login === null ? [] : loginEventReadings(login);
      }),
  });
}
