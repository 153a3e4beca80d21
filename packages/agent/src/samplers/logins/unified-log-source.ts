import { existsSync } from 'node:fs';
import type { RunCommand } from '../../host/run-command.ts';
import {
  LOGIN_READER_LOOKBACK_MS,
  MACOS_LOGIN_READER_OUTPUT,
} from '../../privileged/macos-privileged-jobs.ts';
import { isMacosLogRefusal, reasonOfErrno, type SourceHealth } from '../source-health.ts';
import type { EventReading, EventStream, EventStreamIo, Logger } from '../types.ts';
import { startLineProcess } from './line-process.ts';
import { readNewLines, type TailState } from './tail-file.ts';
import { loginEventReadings } from './to-event-reading.ts';
import { MACOS_LOG_STREAM_ARGV, MACOS_LOGIN_PREDICATE, parseUnifiedLogRecord } from './unified-log-parse.ts';

/**
 * Follows the macOS unified log's login records, one of two ways (docs/least-privilege.md):
 * - the root login-reader job's file (`log show --style ndjson … --last 5m` every minute,
 *   privileged/macos-privileged-jobs.ts), when it exists: the agent runs as the non-admin
 *   `_perimeter`, which `log` refuses. The file is followed by offset (tail-file.ts, rotation-safe)
 *   and its overlapping runs are merged by the time cursor below;
 * - otherwise `log stream --style ndjson` itself (an agent run by an admin), restarted with backoff;
 *   each (re)start first fills the gap with `log show --start <last committed event time>`.
 * When `log` refuses (exit 64, `log: Must be admin to run 'stream' command`) or is missing, the source
 * says it is blind (reportHealth, with the fix) and follows the file as soon as it appears; the time
 * it could not read, before the file's first run covers, is recorded as a gap.
 *
 * The cursor is the time of the last committed event plus the keys of the events at that exact time
 * (so neither a restart nor an overlapping run repeats or loses one), and the file position.
 */
export const UNIFIED_LOG_SOURCE = 'logins:unified-log';
const SHOW_TIMEOUT_MS = 60_000;

interface Cursor {
  timeMs: number;
  /** `time|message` of the committed events at `timeMs` exactly. */
  atTime: string[];
  /** Position in the login-reader file, once it is followed. */
  tail?: TailState;
}

export interface UnifiedLogSourceOptions {
  runCommand: RunCommand;
  log: Logger;
  flushMs?: number;
  /** The root login-reader job's output (default MACOS_LOGIN_READER_OUTPUT). */
  readerFile?: string;
  pollMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  nowMs?: () => number;
  exists?: (path: string) => boolean;
}

export function logShowArgv(sinceMs: number): string[] {
  // `log show --start` takes "YYYY-MM-DD HH:MM:SS±ZZZZ"; UTC keeps it independent of the host zone.
  const start = `${new Date(sinceMs).toISOString().slice(0, 19).replace('T', ' ')}+0000`;
  return ['log', 'show', '--style', 'ndjson', '--predicate', MACOS_LOGIN_PREDICATE, '--start', start];
}

const INSTALL_FIX =
  'run deploy/macos/install.sh as root: it installs the root login-reader job, whose file the agent reads';

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function createUnifiedLogSource(options: UnifiedLogSourceOptions): EventStream {
  const flushMs = options.flushMs ?? 200;
  const readerFile = options.readerFile ?? MACOS_LOGIN_READER_OUTPUT;
  const sleep = options.sleep ?? defaultSleep;
  const nowMs = options.nowMs ?? Date.now;
  const exists = options.exists ?? existsSync;
  const stopping = new AbortController();
  let process: ReturnType<typeof startLineProcess> | undefined;
  let fileLoop: Promise<void> | undefined;
  let sink: EventStreamIo | undefined;
  let cursor: Cursor | null = null;
  let tail: TailState | null = null;
  let waiting: string[] | null = null;
  let pending: Array<{ reading: EventReading; key: string }> = [];
  let timer: NodeJS.Timeout | undefined;
  let health: SourceHealth | undefined;
  let blindSinceMs: number | null = null;

  const report = (next: SourceHealth) => {
    const same =
      health !== undefined &&
      health.up === next.up &&
      (next.up || (!health.up && health.reason === next.reason));
    health = next;
    if (!next.up) blindSinceMs ??= nowMs();
    if (!same) sink?.reportHealth?.(next);
  };

  const isNew = (timeMs: number, key: string) =>
    cursor === null || timeMs > cursor.timeMs || (timeMs === cursor.timeMs && !cursor.atTime.includes(key));

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

  const nextCursor = (): Cursor => {
    const batch = pending.map((p) => p.reading);
    const last = batch.reduce((max, r) => Math.max(max, r.timeMs), cursor?.timeMs ?? 0);
    const base: Cursor = {
      timeMs: last,
      atTime: [
        ...(cursor?.timeMs === last ? cursor.atTime : []),
        ...pending.filter((p) => p.reading.timeMs === last).map((p) => p.key),
      ],
    };
    return tail === null ? base : { ...base, tail };
  };

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (sink === undefined) return;
    if (pending.length === 0) {
      // The file moved on without an event: keep its position so a restart does not reread it.
      if (tail !== null && JSON.stringify(tail) !== JSON.stringify(cursor?.tail)) {
        const next = nextCursor();
        sink.advance(JSON.stringify(next));
        cursor = next;
      }
      return;
    }
    const next = nextCursor();
    try {
      sink.deliver(
        [...pending].sort((a, b) => a.reading.timeMs - b.reading.timeMs).map((p) => p.reading),
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

  /** Follows the login-reader file until stopped; says blind while it is missing or unreadable. */
  const followFile = async () => {
    tail = cursor?.tail ?? null;
    while (!stopping.signal.aborted) {
      try {
        const read = await readNewLines(readerFile, tail, { startAt: 'start' });
        if (read.missing) {
          const error = new Error(`${readerFile} does not exist`) as NodeJS.ErrnoException;
          error.code = 'ENOENT';
          throw error;
        }
        if (health === undefined || !health.up) {
          // The reader's first runs cover only LOGIN_READER_LOOKBACK_MS before now: anything older
          // than that, since the source went blind (or since the last committed event), is lost.
          const from = Math.max(blindSinceMs ?? 0, cursor?.timeMs ?? 0);
          const coveredFrom = nowMs() - LOGIN_READER_LOOKBACK_MS;
          if (blindSinceMs !== null && from > 0 && from < coveredFrom) {
            sink?.reportGap?.({
              fromMs: from,
              toMs: coveredFrom,
              detail: 'the login log could not be read and the login-reader job looks back 5 minutes',
            });
          }
          blindSinceMs = null;
          report({ up: true, detail: `reading ${readerFile} (root login-reader job)` });
        }
        tail = read.state;
        for (const line of read.lines) take(line);
        flush();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const reason = reasonOfErrno(code) ?? 'not-found';
        // After a refusal the missing file is the same blindness with the same fix: keep the cause.
        if (reason === 'not-found' && health !== undefined && !health.up) {
          await sleep(options.pollMs ?? 1_000, stopping.signal);
          continue;
        }
        report({
          up: false,
          reason,
          detail:
            reason === 'permission-denied'
              ? `${readerFile} is not readable by this user`
              : `${readerFile} does not exist (the root login-reader job is not installed)`,
          fix:
            reason === 'permission-denied'
              ? 'the agent user must be in group _perimeter, which owns the file (deploy/macos/install.sh sets both)'
              : INSTALL_FIX,
        });
      }
      await sleep(options.pollMs ?? 1_000, stopping.signal);
    }
  };

  const switchToFile = () => {
    if (fileLoop) return;
    const running = process;
    process = undefined;
    fileLoop = (async () => {
      await running?.stop();
      await followFile();
    })();
  };

  const streamLog = () => {
    process = startLineProcess({
      command: 'log',
      args: [...MACOS_LOG_STREAM_ARGV],
      onLine(line) {
        if (waiting !== null) waiting.push(line);
        else take(line);
        if (health === undefined || !health.up) report({ up: true, detail: 'log stream' });
      },
      onEvent(event) {
        if (event.type === 'started') {
          waiting = [];
          void fillGap();
        } else if (event.type === 'not-found') {
          report({ up: false, reason: 'not-found', detail: '`log` not found on PATH', fix: INSTALL_FIX });
          switchToFile();
        } else if (event.type === 'exited' && isMacosLogRefusal(event.code, event.stderr)) {
          report({
            up: false,
            reason: 'refused',
            detail: `log exited ${event.code}: ${event.stderr.trim()}`,
            fix: INSTALL_FIX,
          });
          switchToFile();
        } else {
          options.log.warn({ retryInMs: event.retryInMs }, 'log stream stopped; restarting');
        }
      },
    });
  };

  return {
    name: UNIFIED_LOG_SOURCE,
    start(io) {
      if (process || fileLoop) return;
      sink = io;
      const saved = io.readCursor();
      cursor = saved === null ? null : (JSON.parse(saved) as Cursor);
      if (exists(readerFile)) fileLoop = followFile();
      else streamLog();
    },
    async stop() {
      stopping.abort();
      await process?.stop();
      await fileLoop;
      if (timer) clearTimeout(timer);
      flush();
    },
  };
}
