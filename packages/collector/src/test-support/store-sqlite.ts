import Database from 'better-sqlite3';
import { storePath } from '../store/db.ts';

/**
 * A second, raw connection to a store's file, for tests only: to look at rows the typed API has no
 * reason to expose (a gap row, a block's bytes) or to tamper with them on purpose. Production code
 * reads and writes through store/ alone.
 */
export function openStoreSqlite(dataDir: string, options: { readonly?: boolean } = {}): Database.Database {
  return new Database(storePath(dataDir), { readonly: options.readonly ?? false, fileMustExist: true });
}
