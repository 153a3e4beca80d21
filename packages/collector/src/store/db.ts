import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.ts';

/**
 * Opens the collector's one SQLite file. It refuses, with the file named, to start on a file it
 * cannot read or lock, and never recreates or wipes an existing one: a corrupt store is evidence.
 * Files are 0600 and the directory 0700 (they hold tokens' hashes and every node's telemetry).
 */
export type SqliteDatabase = Database.Database;

export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  readonly code = 'store_open';
}

export interface OpenStoreOptions {
  dataDir: string;
  /** FULL survives power loss; NORMAL only process crashes (research/delivery-anchors.md §6). */
  synchronous?: 'FULL' | 'NORMAL';
  busyTimeoutMs?: number;
  readonly?: boolean;
}

export function storePath(dataDir: string): string {
  return join(dataDir, 'collector.db');
}

/** The data directory, created 0700 when missing; anything else at that path is refused. */
export function ensureDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } else if (!statSync(dataDir).isDirectory()) {
    throw new StoreOpenError(`data directory ${dataDir} exists and is not a directory`);
  }
}

export function openStoreDatabase(options: OpenStoreOptions): SqliteDatabase {
  const { dataDir } = options;
  ensureDataDir(dataDir);
  const path = storePath(dataDir);
  let db: SqliteDatabase;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000, readonly: options.readonly ?? false });
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = ON');
    // Reading the schema forces SQLite to parse the header and the schema pages: a file that is not a
    // database, or whose schema is damaged, fails here at start rather than mid-ingest. (A full
    // quick_check would scan the whole store and delay every start on a large one.)
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    if (!options.readonly) {
      // Take the write lock once at start: a store another process holds for writing fails here,
      // with a clear message, instead of answering 503 to every node later.
      db.exec('BEGIN IMMEDIATE; COMMIT');
      migrate(db);
    }
  } catch (error) {
    throw new StoreOpenError(describeOpenFailure(path, error), { cause: error });
  }
  restrictPermissions(path);
  return db;
}

function describeOpenFailure(path: string, error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (code === 'SQLITE_BUSY' || /locked/i.test(message)) {
    return `store ${path} is locked by another process (is a collector already running on this data directory?): ${message}`;
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(message)) {
    return `store ${path} is corrupt and was left untouched for inspection (${message}); restore it from backup or move it aside to start empty`;
  }
  return `cannot open store ${path}: ${message}`;
}

function restrictPermissions(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) {
      chmodSync(file, 0o600);
    }
  }
}
