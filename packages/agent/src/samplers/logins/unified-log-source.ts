import type { RunCommand } from '../../host/run-command.ts';
import type { EventReading, EventStream, EventStreamIo, Logger } from '../types.ts';
import { startLineProcess } from './line-process.ts';
import { loginEventReadings } from './to-event-reading.ts';
import { MACOS_LOG_STREAM_ARGV, MACOS_LOGIN_PREDICATE, parseUnifiedLogRecord } from './unified-log-parse.ts';

/**
 * Follows the macOS unified log through a long-lived `log stream --style ndjson` with the login
 * predicate, restarted with backoff. `log stream` cannot resume, so each (re)start first fills the
 * gap with `log show --start <last committed event time>`, while the new stream's lines wait; then
 * both are merged, dropping what was already committed (same time and message). The cursor is the
 * time of the last committed event plus the fingerprints of the events at that exact time, so a
 * restart neither repeats nor loses one.
 */
export const UNIFIED_LOG_SOURCE = 'logins:unified-log';
const SHOW_TIMEOUT_MS = 60_000;

interface Cursor {
  timeMs: number;
  /** `time|message` of the committed events at `timeMs` exactly. */
  atTime: string[];
}

export interface UnifiedLogSourceOptions {
  runCommand: RunCommand;
  log: Logger;
  flushMs?: number;
}

export function logShowArgv(sinceMs: number): string[] {
  // `log show --start` takes "YYYY-MM-DD HH:MM:SS±ZZZZ"; UTC keeps it independent of the host zone.
  const start = `${new Date(sinceMs).toISOString().slice(0, 19).replace('T', ' ')}+0000`;
  return ['log', 'show', '--style', 'ndjson', '--predicate', MACOS_LOGIN_PREDICATE, '--start', start];
}

export function createUnifiedLogSource(options: UnifiedLogSourceOptions): EventStream {
  const flushMs = options.flushMs ?? 200;
  let process: ReturnType<typeof startLineProcess> | undefined;
  let sink: EventStreamIo | undefined;
  let cursor: Cursor | null = null;
  let waiting: string[] | null = null;
  let pending: Array<{ reading: EventReading; key: string }> = [];
  let timer: NodeJS.Timeout | undefined;

  const isNew = (timeMs: number, key: string) =>
    cursor === null ||
    timeMs > cursor.timeMs ||
    (timeMs === cursor.timeMs && !cursor.atTime.includes(key)) ||
    false;

  const take = (line: string) => {
    const login = parseUnifiedLogRecord(line);
    if (login === null) return;
    // One key per attempt: a line that stands for N attempts (sudo's `3 incorrect password
    // attempts`) is N events, and the merge must not fold them into one.
    loginEventReadings(login).forEach((reading, i) => {
      const key = `${login.timeMs}|${login.message}${i === 0 ? '' : `#${i}`}`;
      if (!isNew(login.timeMs, key) || pending.some((p) => p.key === key)) return;
      pending.push({ reading, key });
    });
    timer ??= setTimeout(flush, flushMs);
  };

  const flush = () => {
    timer = undefined;
    if (sink === undefined || pending.length === 0) return;
    const batch = [...pending].sort((a, b) => a.reading.timeMs - b.reading.timeMs);
    const last = batch.at(-1)?.reading.timeMs ?? 0;
    const next: Cursor = {
      timeMs: last,
      atTime: [
        ...(cursor?.timeMs === last ? cursor.atTime : []),
        ...batch.filter((p) => p.reading.timeMs === last).map((p) => p.key),
      ],
    };
    try {
      sink.deliver(
        batch.map((p) => p.reading),
        JSON.stringify(next),
      );
      cursor = next;
      pending = [];
    } catch (error) {
      options.log.warn({ err: (error as Error).message }, 'login events not committed; retrying');
      timer = setTimeout(flush, 1_000);
    }
  };

  const fillGap = async () => {
    if (cursor !== null) {
      const shown = await options.runCommand(logShowArgv(cursor.timeMs), {
        timeoutMs: SHOW_TIMEOUT_MS,
        maxBufferBytes: 64 * 1024 * 1024,
      });
      if (shown.status === 'ok') {
        for (const line of shown.stdout.split('\n')) take(line);
      } else {
        options.log.warn(
          { status: shown.status },
          'log show could not fill the gap since the last login event',
        );
      }
    }
    const held = waiting ?? [];
    waiting = null;
    for (const line of held) take(line);
    flush();
  };

  return {
    name: UNIFIED_LOG_SOURCE,
    start(io) {
      if (process) return;
      sink = io;
      const saved = io.readCursor();
      cursor = saved === null ? null : (JSON.parse(saved) as Cursor);
      process = startLineProcess({
        command: 'log',
        args: [...MACOS_LOG_STREAM_ARGV],
        onLine(line) {
          if (waiting !== null) waiting.push(line);
          else take(line);
        },
        onEvent(event) {
          if (event.type === 'started') {
            waiting = [];
            void fillGap();
          } else if (event.type === 'not-found') {
            options.log.warn({}, 'log not found: login events not followed');
          } else {
            options.log.warn({ retryInMs: event.retryInMs }, 'log stream stopped; restarting');
          }
        },
      });
    },
    async stop() {
      await process?.stop();
      if (timer) clearTimeout(timer);
      flush();
    },
  };
}
