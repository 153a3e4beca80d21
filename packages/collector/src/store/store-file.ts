import { type AuditLog, createAuditLog } from './audit-log.ts';
import { type ConsoleReads, createConsoleReads } from './console-reads.ts';
import { type OpenStoreOptions, openStoreDatabase, type SqliteDatabase } from './db.ts';
import { createEvidenceReads, type EvidenceReads } from './evidence-reads.ts';
import { createTokenRows, type TokenRows } from './token-rows.ts';

/**
 * The store's typed tables, one small module per concern, built over one connection. Both the
 * running collector (`openStore`) and the short-lived commands (`openStoreFile`) read and write
 * through these; no SQL on a store table lives outside store/. Each concern prepares its
 * statements on first use, so a command that lists tokens does not prepare the forwarder's.
 */
export interface StoreTables {
  readonly tokens: TokenRows;
  readonly audit: AuditLog;
  /** What the console's pages ask (store/console-reads.ts). */
  readonly console: ConsoleReads;
  /** What the evidence report's sections ask (store/evidence-reads.ts). */
  readonly evidence: EvidenceReads;
}

export interface StoreFile extends StoreTables {
  close(): void;
}

/** Adds the tables to `target` (the running store or a command's file), each built on first read. */
export function withStoreTables<T extends object>(target: T, db: SqliteDatabase): T & StoreTables {
  return defineLazily<T, StoreTables>(target, {
    tokens: () => createTokenRows(db),
    audit: () => createAuditLog(db),
    console: () => createConsoleReads(db),
    evidence: () => createEvidenceReads(db),
  });
}

/** One connection for a command (tokens, forward, replay, evidence): the tables, without the ingest path. */
export function openStoreFile(options: OpenStoreOptions): StoreFile {
  const db = openStoreDatabase(options);
  return withStoreTables({ close: () => db.close() }, db);
}

function defineLazily<T extends object, P extends object>(
  target: T,
  factories: { [K in keyof P]: () => P[K] },
): T & P {
  for (const key of Object.keys(factories) as Array<keyof P & string>) {
    let value: P[typeof key] | undefined;
    Object.defineProperty(target, key, {
      enumerable: true,
      get() {
        value ??= factories[key]();
        return value;
      },
    });
  }
  return target as T & P;
}
