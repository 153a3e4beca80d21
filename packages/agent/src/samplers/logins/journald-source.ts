import { JOURNAL_NOT_ALL_MESSAGES, type SourceHealth } from '../source-health.ts';
import type { EventReading, EventStream, EventStreamIo, Logger } from '../types.ts';
import { journalctlLoginArgv, parseJournalJsonLine } from './journald-parse.ts';
import { startLineProcess } from './line-process.ts';
import { loginEventReadings } from './to-event-reading.ts';

/**
 * Follows the systemd journal (sshd, sudo, login, su) as JSON through a long-lived
 * `journalctl --follow`, restarted with backoff when it exits. The cursor is the journal's own
 * `__CURSOR` of the last entry read, so a restart resumes with `--after-cursor`: no hole, no
 * repeat. Lines are gathered for `flushMs` and committed as one batch, so a burst of failed
 * logins (an attack) is a few spool batches, not thousands.
 *
 * journalctl run by a user outside systemd-journal/adm does not fail: it follows that user's own
 * messages only and says so once on stderr. That is blindness, reported as `refused` with the fix
 * (deploy/systemd: SupplementaryGroups=systemd-journal); a missing journalctl is `not-found`.
 */
export const JOURNALD_SOURCE = 'logins:journald';

export interface JournaldSourceOptions {
  log: Logger;
  flushMs?: number;
  /** How long a started journalctl must go without the refusal hint to count as reading. */
  settleMs?: number;
}

const GROUP_FIX =
  'add the agent user to group systemd-journal (deploy/systemd/perimeter.sysusers.conf and SupplementaryGroups= in perimeter-agent.service)';

export function createJournaldSource(options: JournaldSourceOptions): EventStream {
  const flushMs = options.flushMs ?? 200;
  let process: ReturnType<typeof startLineProcess> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending: EventReading[] = [];
  let pendingCursor: string | null = null;
  let committed: string | null = null;
  let sink: EventStreamIo | undefined;
  let health: SourceHealth | undefined;
  let settle: NodeJS.Timeout | undefined;
  const report = (next: SourceHealth) => {
    const changed = health?.up !== next.up || (!next.up && !health?.up && health?.reason !== next.reason);
    health = next;
    if (changed) sink?.reportHealth?.(next);
  };

  const flush = () => {
    timer = undefined;
    if (sink === undefined || pendingCursor === null) return;
    try {
      if (pending.length > 0) sink.deliver(pending, pendingCursor);
      else sink.advance(pendingCursor);
      committed = pendingCursor;
      pending = [];
      pendingCursor = null;
    } catch (error) {
      // Kept in memory and tried again with the next line; the journal still has them anyway.
      options.log.warn({ err: (error as Error).message }, 'login events not committed; retrying');
      timer = setTimeout(flush, 1_000);
    }
  };

  return {
    name: JOURNALD_SOURCE,
    start(io) {
      if (process) return;
      sink = io;
      committed = io.readCursor();
      process = startLineProcess({
        command: 'journalctl',
        // After a restart of journalctl, resume after what was committed, not after what was read.
        args: () => {
          pending = [];
          pendingCursor = null;
          return journalctlLoginArgv(committed);
        },
        onLine(line) {
          const { event, cursor } = parseJournalJsonLine(line);
          if (cursor !== null) pendingCursor = cursor;
          if (event !== null) pending.push(...loginEventReadings(event));
          timer ??= setTimeout(flush, flushMs);
        },
        onStderrLine(line) {
          if (!JOURNAL_NOT_ALL_MESSAGES.test(line)) return;
          if (settle) clearTimeout(settle);
          report({
            up: false,
            reason: 'refused',
            detail: `journalctl shows this user's own messages only: ${line.trim()}`,
            fix: GROUP_FIX,
          });
        },
        onEvent(event) {
          if (event.type === 'started') {
            if (settle) clearTimeout(settle);
            settle = setTimeout(() => {
              if (health === undefined || health.up || health.reason !== 'refused')
                report({ up: true, detail: 'journalctl --follow' });
            }, options.settleMs ?? 2_000);
          } else if (event.type === 'not-found') {
            report({
              up: false,
              reason: 'not-found',
              detail: 'journalctl not found on PATH',
              fix: 'install systemd’s journalctl, or set logins.authLog to the auth log file',
            });
            options.log.warn({}, 'journalctl not found: login events not followed');
          } else if (event.type === 'exited' || event.type === 'error') {
            options.log.warn(
              {
                ...(event.type === 'exited' ? { code: event.code } : { err: event.error.message }),
                retryInMs: event.retryInMs,
              },
              'journalctl stopped; restarting',
            );
          }
        },
      });
    },
    async stop() {
      await process?.stop();
      if (settle) clearTimeout(settle);
      if (timer) clearTimeout(timer);
      flush();
    },
  };
}
