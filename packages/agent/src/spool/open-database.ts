import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SpoolError } from './errors.ts';
import { migrateSpool } from './migrations.ts';

/**
 * Opens the spool file so that a commit means "survives power loss" and one file has one writer.
 * - WAL + `synchronous=FULL`: better-sqlite3 defaults WAL to NORMAL, which may lose the last
 *   commits on power loss (delivery-anchors §6); FULL is nearly free at one commit per tick.
 * - `locking_mode=EXCLUSIVE`, taken by a write at open: a second agent on the same data dir would
 *   ship the same seqs twice and race on deletes, so it is refused up front, not discovered later.
 * - Files 0600 in a 0700 directory: the spool holds host telemetry and login events.
 * - A locked, corrupt or unreadable file throws a SpoolError naming the file. Nothing is wiped.
 */
export interface OpenDatabaseOptions {
  path: string;
  busyTimeoutMs: number;
}

export function openSpoolDatabase({ path, busyTimeoutMs }: OpenDatabaseOptions): BetterSqlite3.Database {
  prepareFiles(path);
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { timeout: busyTimeoutMs });
    db.pragma('locking_mode = EXCLUSIVE');
    // Takes effect only on a new, empty file (before WAL writes the header): lets a drained spool
    // give pages back through `incremental_vacuum`. A no-op on an existing file.
    db.pragma('auto_vacuum = INCREMENTAL');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new SpoolError('open-failed', path, `could not switch to WAL (journal_mode is ${String(mode)})`);
    }
    db.pragma('synchronous = FULL');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      throw new SpoolError('corrupt', path, `integrity check failed: ${String(check)}`);
    }
    migrateSpool(db);
    return db;
  } catch (error) {
    db?.close();
    throw toSpoolError(error, path);
  }
}

/**
 * Runs a write without the fsync at its commit (synchronous=NORMAL for that commit, then FULL again,
 * also when it throws), for writes whose loss on power failure costs nothing: deleting a batch the
 * collector acknowledged (it would be sent again, and the collector answers a repeated (stream, seq)
 * as already stored, without a second copy). In WAL mode the file stays consistent either way, and
 * the next FULL commit (the next append) syncs the skipped commit with it. An fsync per
 * acknowledgement was half of the agent's disk syncs and, after an outage, the pace of its drain.
 */
export function createUnsyncedWrite(db: BetterSqlite3.Database): <T>(write: () => T) => T {
  // exec, not a statement prepared once: SQLite applies `PRAGMA synchronous` when the statement is
  // compiled, so a prepared one re-run later changes nothing (spool.test.ts checks the level).
  return (write) => {
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      return write();
    } finally {
      db.exec('PRAGMA synchronous = FULL');
    }
  };
}

function prepareFiles(path: string): void {
  const dir = dirname(path);
  try {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    chmodSync(dir, 0o700);
    if (!existsSync(path)) {
      // Created empty with 0600 so SQLite (which copies the db file's mode to -wal/-shm) never
      // writes a world-readable byte.
      closeSync(openSync(path, 'wx', 0o600));
    }
    chmodSync(path, 0o600);
  } catch (error) {
    throw new SpoolError('open-failed', path, `cannot prepare the spool file (${describe(error)})`, {
      cause: error,
    });
  }
}

function toSpoolError(error: unknown, path: string): SpoolError {
  if (error instanceof SpoolError) {
    return error;
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new SpoolError(
      'locked',
      path,
      'is locked by another process (is another perimeter-agent using this data dir?)',
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new SpoolError(
      'corrupt',
      path,
      `is not a readable SQLite database (${describe(error)}); move it aside to start a new spool`,
      { cause: error },
    );
  }
  return new SpoolError('open-failed', path, `cannot open (${describe(error)})`, { cause: error });
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
