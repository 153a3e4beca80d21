import type { Clock } from '../host/clock.ts';
import { readNewLines, type TailState } from './logins/tail-file.ts';
import { reasonOfErrno, type SourceDownReason } from './source-health.ts';
import type { EventReading, EventStream, EventStreamIo, Logger } from './types.ts';

/**
 * Follows a growing text log by polling (a stat and a read of what was appended, every `pollMs`)
 * and turns its new lines into events: the auth log for logins, proxy access logs and Ollama's
 * server.log for inference. The cursor is the file's identity and the offset after the last
 * complete line (logins/tail-file.ts), committed with the events, so rotation, truncation and agent
 * restarts neither repeat nor skip a line. On the very first start it begins at the end of the file.
 */
export interface FileFollowerOptions {
  /** The stream's name, which is also its cursor's name in the spool. */
  name: string;
  path: string;
  /** What the file is, for log lines ("auth log", "access log"). */
  label: string;
  clock: Clock;
  log: Logger;
  pollMs?: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  toEvents(lines: readonly string[], nowMs: number): EventReading[];
  /**
   * When given, a missing or unreadable file is reported as blindness with these fixes
   * (io.reportHealth: an agent.lifecycle event and perimeter.source.up), and reading again as up.
   */
  fixes?: { permissionDenied: string; notFound: string };
}

export function createFileFollower(options: FileFollowerOptions): EventStream {
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  const pollMs = options.pollMs ?? 500;
  const { label, path } = options;

  async function follow(io: EventStreamIo): Promise<void> {
    let state = parseState(io.readCursor());
    let failing = false;
    /** The health said last: false = up, a reason = blind, undefined = not said yet. */
    let blind: false | SourceDownReason | undefined;
    const say = (next: false | SourceDownReason, detail: string) => {
      if (options.fixes === undefined || blind === next) return;
      blind = next;
      if (next === false) io.reportHealth?.({ up: true, detail });
      else
        io.reportHealth?.({
          up: false,
          reason: next,
          detail,
          fix: next === 'permission-denied' ? options.fixes.permissionDenied : options.fixes.notFound,
        });
    };
    // Only a file that already exists at the first start has history to skip; one created later
    // (or after a first start that found none) is read from its first line.
    let startAt: 'end' | 'start' = state === null ? 'end' : 'start';
    let first = true;
    while (!stop.signal.aborted) {
      try {
        const read = await readNewLines(path, state, { startAt });
        if (first) {
          // Said once the position is known: lines appended from now on are sent.
          options.log.info(
            { path, offset: read.state?.offset ?? 0, resumed: state !== null },
            `${label} followed`,
          );
          first = false;
        }
        startAt = 'start';
        const events = options.toEvents(read.lines, options.clock.nowMs());
        if (read.state !== null && JSON.stringify(read.state) !== JSON.stringify(state)) {
          const cursor = JSON.stringify(read.state);
          if (events.length > 0) io.deliver(events, cursor);
          else io.advance(cursor);
        }
        state = read.state;
        if (read.rotated) options.log.info({ path }, `${label} rotated; following the new file`);
        if (read.truncated) options.log.warn({ path }, `${label} truncated; reading it from the start`);
        if (failing) options.log.info({ path }, `${label} readable again`);
        if (read.missing) say('not-found', `${path} does not exist`);
        else say(false, `following ${path}`);
        failing = false;
      } catch (error) {
        // Unreadable (EACCES: the agent user is not in the file's group) or the spool refused:
        // keep the old position and say so once, not every poll.
        if (!failing) options.log.warn({ path, err: (error as Error).message }, `${label} not followed`);
        failing = true;
        const reason = reasonOfErrno((error as NodeJS.ErrnoException).code);
        if (reason !== null) say(reason, `${path}: ${(error as Error).message}`);
      }
      await options.sleep(pollMs, stop.signal);
    }
  }

  return {
    name: options.name,
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
