import type { SqliteDatabase } from './db.ts';

/**
 * The store file's size in pages. Used bytes are pages in use (page_count − freelist_count):
 * freed pages are reused by SQLite, so the file stops growing without a VACUUM that would block ingest.
 */
export interface StoreSpace {
  fileBytes(): number;
  usedBytes(): number;
  /** Free pages inside the file, reusable by the next writes. */
  freelistBytes(): number;
}

export function createStoreSpace(db: SqliteDatabase): StoreSpace {
  const pageCount = db.prepare('PRAGMA page_count').pluck();
  const freelist = db.prepare('PRAGMA freelist_count').pluck();
  const pageSize = db.prepare('PRAGMA page_size').pluck();
  return {
    fileBytes: () => (pageCount.get() as number) * (pageSize.get() as number),
    usedBytes: () => ((pageCount.get() as number) - (freelist.get() as number)) * (pageSize.get() as number),
    freelistBytes: () => (freelist.get() as number) * (pageSize.get() as number),
  };
}
