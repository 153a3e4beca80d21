import type { Clock } from '../../host/clock.ts';
import type { EventStream, EventStreamIo, Logger } from '../types.ts';
import { parseSyslogLoginLine } from './syslog-line-parse.ts';
import { readNewLines, type TailState } from './tail-file.ts';
import { loginEventReadings } from './to-event-reading.ts';

/**
 * Follows /var/log/auth.log (Debian) or /var/log/secure (RHEL), or the path the operator
 * configured, by polling: a stat and a read of what was appended, every `pollMs`. The cursor is
 * the file's identity and the offset after the last complete line (tail-file.ts), committed with
 * the events, so rotation, truncation and agent restarts neither repeat nor skip a line. On the
 * very first start it begins at the end of the file: history comes from `last` instead.
 */
export interface AuthLogSourceOptions {
  path: string;
  clock: Clock;
  log: Logger;
  pollMs?: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const AUTH_LOG_SOURCE = 'logins:auth-log';

export function createAuthLogSource(options: AuthLogSourceOptions): EventStream {
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  const pollMs = options.pollMs ?? 500;

  async function follow(io: EventStreamIo): Promise<void> {
    let state = parseState(io.readCursor());
    let failing = false;
    // Only a file that already exists at the first start has history to skip; one created later
    // (or after a first start that found none) is read from its first line.
    let startAt: 'end' | 'start' = state === null ? 'end' : 'start';
    let first = true;
    while (!stop.signal.aborted) {
      try {
        const read = await readNewLines(options.path, state, { startAt });
        if (first) {
          // Said once the position is known: lines appended from now on are sent.
          options.log.info(
            { path: options.path, offset: read.state?.offset ?? 0, resumed: state !== null },
            'auth log followed',
          );
          first = false;
        }
        startAt = 'start';
        const nowMs = options.clock.nowMs();
        const events = read.lines.flatMap((line) => {
          const login = parseSyslogLoginLine(line, { nowMs });
          return login === null ? [] : loginEventReadings(login);
        });
        if (read.state !== null && JSON.stringify(read.state) !== JSON.stringify(state)) {
          const cursor = JSON.stringify(read.state);
          if (events.length > 0) io.deliver(events, cursor);
          else io.advance(cursor);
        }
        state = read.state;
        if (read.rotated)
          options.log.info({ path: options.path }, 'auth log rotated; following the new file');
        if (read.truncated)
          options.log.warn({ path: options.path }, 'auth log truncated; reading it from the start');
        if (failing) options.log.info({ path: options.path }, 'auth log readable again');
        failing = false;
      } catch (error) {
        // Unreadable (EACCES: the agent user is not in group adm) or the spool refused: keep the
        // old position and say so once, not every poll.
        if (!failing) {
          options.log.warn({ path: options.path, err: (error as Error).message }, 'auth log not followed');
        }
        failing = true;
      }
      await options.sleep(pollMs, stop.signal);
    }
  }

  return {
    name: AUTH_LOG_SOURCE,
    start(io) {
      loop ??= follow(io);
    },
    async stop() {
      stop.abort();
      await loop;
    },
  };
}

function parseState(cursor: string | null): TailState | null {
  if (cursor === null) return null;
  try {
    const value = JSON.parse(cursor) as TailState;
    return typeof value.ino === 'number' && typeof value.offset === 'number' ? value : null;
  } catch {
    return null;
  }
}
