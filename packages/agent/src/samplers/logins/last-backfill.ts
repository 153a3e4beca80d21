import type { Clock } from '../../host/clock.ts';
import type { RunCommand } from '../../host/run-command.ts';
import type { EventStream, Logger } from '../types.ts';
import { LAST_LINUX_ARGV, parseLastLinux, parseLastMacos } from './last-parse.ts';
import { loginEventReadings } from './to-event-reading.ts';

/**
 * The login history a node already has when the agent first starts (`last`, from wtmp / utmpx):
 * sent once, so the collector's timeline does not begin at install time. Its cursor only says
 * "done"; the live sources follow from then on.
 */
export const LAST_BACKFILL_SOURCE = 'logins:last';

export interface LastBackfillOptions {
  runCommand: RunCommand;
  platform: NodeJS.Platform;
  clock: Clock;
  log: Logger;
}

export function createLastBackfill(options: LastBackfillOptions): EventStream {
  let running: Promise<void> | undefined;
  return {
    name: LAST_BACKFILL_SOURCE,
    start(io) {
      if (running || io.readCursor() !== null) return;
      running = (async () => {
        const argv = options.platform === 'darwin' ? ['last'] : ['last', ...LAST_LINUX_ARGV];
        const result = await options.runCommand(argv, { timeoutMs: 30_000 });
        if (result.status !== 'ok') {
          options.log.info({ argv, status: result.status }, 'no login history to backfill');
          io.advance('done');
          return;
        }
        const nowMs = options.clock.nowMs();
        const logins =
          options.platform === 'darwin'
            ? parseLastMacos(result.stdout, { nowMs })
            : parseLastLinux(result.stdout);
        try {
          if (logins.length > 0) io.deliver(logins.flatMap(loginEventReadings), 'done');
          else io.advance('done');
          options.log.info({ logins: logins.length }, 'login history backfilled from last');
        } catch (error) {
          options.log.warn(
            { err: (error as Error).message },
            'login history not backfilled; trying at next start',
          );
        }
      })();
    },
    async stop() {
      await running;
    },
  };
}
