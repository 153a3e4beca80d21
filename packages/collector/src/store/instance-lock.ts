import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreOpenError } from './db.ts';

/**
 * One `serve` per data directory. Node has no flock(), so the lock is a tiny SQLite file held in
 * exclusive locking mode for the life of the process: the OS drops it when the process dies, even
 * on kill -9, so a crash never leaves a stale lock behind. The tokens CLI does not take it and
 * can revoke a token while the collector runs.
 */
export interface InstanceLock {
  release(): void;
}

export function acquireInstanceLock(dataDir: string): InstanceLock {
  const path = join(dataDir, 'serve.lock');
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started_at_ms INTEGER)');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, Date.now());
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    throw new StoreOpenError(
      `data directory ${dataDir} is in use by another perimeter-collector serve (lock ${path}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { release: () => db.close() };
}
