import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';

/**
 * The fsync of ingest's group commits, off the event loop. With `synchronous = FULL` SQLite
 * fsyncs the WAL inside COMMIT, on the thread that serves every request: at 300 requests a second
 * that wait was the largest item of ingest's profile, and no request could be read meanwhile.
 * Group commits instead run at `synchronous = NORMAL` (the WAL is written, not yet synced) and
 * then ask for `whenDurable()`: an fdatasync of the WAL file on libuv's thread pool that started
 * after the commit returned. Their promises settle, and ingest answers 2xx, only when it has
 * completed, so "2xx means on disk" holds as before. Commits that land while a sync is running
 * share the next one (group commit at the fsync, as databases do it).
 *
 * Why this is as durable as FULL: FULL's commit-time sync is an fsync of the same WAL file after
 * the frames are written; this is that fsync, later. The WAL header SQLite rewrites when the log
 * restarts is in the same file and synced with it, and a restart only follows a checkpoint that
 * already synced those frames into the database file.
 */
export interface WalSync {
  /** Resolves once a WAL sync that began after this call has completed; rejects if it failed. */
  whenDurable(): Promise<void>;
  /**
   * Closes the descriptor, now or when the running sync completes. The database may close
   * meanwhile: a sync on this descriptor still covers the frames, and closing checkpoints them.
   */
  close(): void;
}

export interface WalSyncDeps {
  /** node:fs's fdatasync; tests hold it back or make it fail. */
  fdatasync?: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;
}

export function createWalSync(walPath: string, deps: WalSyncDeps = {}): WalSync {
  const sync = deps.fdatasync ?? fdatasync;
  let fd: number | undefined;
  let inode = -1;
  type Waiter = { resolve(): void; reject(error: unknown): void };
  let waiting: Waiter[] = [];
  let running = false;
  let closing = false;
  const closeDescriptor = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };

  /** The WAL's descriptor, reopened should the file have been replaced (a new inode). */
  const descriptor = (): number => {
    const current = statSync(walPath).ino;
    if (fd === undefined || current !== inode) {
      if (fd !== undefined) closeSync(fd);
      fd = openSync(walPath, 'r');
      inode = fstatSync(fd).ino;
    }
    return fd;
  };

  const run = () => {
    const round = waiting;
    waiting = [];
    running = true;
    let target: number;
    try {
      target = descriptor();
    } catch (error) {
      finish(round, error);
      return;
    }
    sync(target, (error) => finish(round, error ?? undefined));
  };

  const finish = (round: Waiter[], error: unknown) => {
    running = false;
    for (const waiter of round) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(storageError(error));
    }
    if (waiting.length > 0) run();
    else if (closing) closeDescriptor();
  };

  return {
    whenDurable() {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!running) run();
      });
    },
    close() {
      closing = true;
      if (!running) closeDescriptor();
    },
  };
}

/** A failed sync reads as SQLite's own I/O error, which ingest answers with 503 + Retry-After. */
function storageError(error: unknown): Error {
  const wrapped = new Error(`WAL sync failed: ${(error as Error).message}`, { cause: error });
  (wrapped as Error & { code: string }).code = 'SQLITE_IOERR_FSYNC';
  return wrapped;
}
