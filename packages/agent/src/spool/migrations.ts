import type { Database } from 'better-sqlite3';

/**
 * The spool's schema, versioned by `PRAGMA user_version`. Steps only ever append: a spool written
 * by an older agent must open in a newer one, because its unsent rows are still owed upstream.
 * `AUTOINCREMENT` (not plain rowid) is deliberate: it never reuses a seq after deletes, so a
 * (stream, seq) pair names exactly one batch forever and the collector's dedup stays correct.
 */
const steps: readonly string[] = [
  `
  CREATE TABLE batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    signal TEXT NOT NULL CHECK (signal IN ('metrics', 'logs')),
    created_at_ms INTEGER NOT NULL,
    body BLOB NOT NULL,
    bytes INTEGER NOT NULL
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE dead_letter (
    seq INTEGER PRIMARY KEY,
    signal TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    dead_at_ms INTEGER NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    body BLOB NOT NULL,
    bytes INTEGER NOT NULL
  );
  `,
  // Where each event source resumes (a journald cursor, a tailed file's inode and offset, the time
  // of the last unified-log entry) and the drift sampler's last results. A cursor is written in the
  // same transaction as the batch holding the events it points past: neither a hole nor a repeat.
  `
  CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
  );
  `,
];

export const SPOOL_SCHEMA_VERSION = steps.length;

/** Runs the missing steps in one transaction; the caller holds the write lock already. */
export function migrateSpool(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > steps.length) {
    throw new RangeError(`schema version ${current} is newer than this agent knows (${steps.length})`);
  }
  const apply = db.transaction(() => {
    for (let version = current; version < steps.length; version += 1) {
      db.exec(steps[version] ?? '');
    }
    db.pragma(`user_version = ${steps.length}`);
  });
  apply.immediate();
}
