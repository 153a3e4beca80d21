import { type AlertStore, createAlertRows } from './alert-rows.ts';
import { type AlertSamples, createAlertSamples } from './alert-samples.ts';
import { type AuditLog, createAuditLog } from './audit-log.ts';
import { type BatchReads, createBatchReads } from './batch-reads.ts';
import { type ChainReads, createChainReads } from './chain-reads.ts';
import { type ConsoleReads, createConsoleReads } from './console-reads.ts';
import { type OpenStoreOptions, openStoreDatabase, type SqliteDatabase } from './db.ts';
import { createDerivedReads, type DerivedReads } from './derived-rows.ts';
import { createEvidenceReads, type EvidenceReads } from './evidence-reads.ts';
import { createForwardRows, type ForwardRows } from './forward-rows.ts';
import { createHourlySummaries, type HourlySummaries } from './hourly-summaries.ts';
import { createIntegrityRows, type IntegrityRows } from './integrity-rows.ts';
import { SCHEMA_VERSION } from './migrations.ts';
import { createModelReads, type ModelReads } from './model-reads.ts';
import { createPrune, type Prune } from './prune.ts';
import { createSampleReads, type SampleReads } from './sample-reads.ts';
import { createStoreSpace, type StoreSpace } from './space.ts';
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
  /** Rows derived from events at ingest (logins, drift, inference counts), for /metrics and the API. */
  readonly derived: DerivedReads;
  /** The AI workload's model series and events, for the live model inventory. */
  readonly models: ModelReads;
  readonly batches: BatchReads;
  readonly forward: ForwardRows;
  readonly samples: SampleReads;
  /** One node's hash chain as the verifier walks it. */
  readonly chain: ChainReads;
  readonly alerts: AlertStore;
  readonly alertSamples: AlertSamples;
  readonly summaries: HourlySummaries;
  readonly space: StoreSpace;
  /** The only deleter of batches, blocks and events (store/prune.ts). */
  readonly prune: Prune;
  /** What signed checkpoints commit to, and the checkpoints kept (store/integrity-rows.ts). */
  readonly integrity: IntegrityRows;
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
    derived: () => createDerivedReads(db),
    models: () => createModelReads(db),
    batches: () => createBatchReads(db),
    forward(this: StoreTables) {
      return createForwardRows(db, this.batches);
    },
    samples: () => createSampleReads(db),
    chain: () => createChainReads(db),
    alerts: () => createAlertRows(db),
    alertSamples: () => createAlertSamples(db),
    summaries: () => createHourlySummaries(db),
    space: () => createStoreSpace(db),
    integrity: () => createIntegrityRows(db),
    prune(this: StoreTables) {
      return createPrune(db, { batches: this.batches, forward: this.forward, summaries: this.summaries });
    },
  });
}

/** One connection for a command (tokens, forward, replay, evidence): the tables, without the ingest path. */
export function openStoreFile(options: OpenStoreOptions): StoreFile {
  const db = openStoreDatabase(options);
  return withStoreTables({ close: () => db.close() }, db);
}

/**
 * Read only, beside a running collector (evidence): a store from an older collector is upgraded
 * first, the one write such a command makes, so every read sees the current schema.
 */
export function openStoreFileForReading(dataDir: string): StoreFile {
  const db = openStoreDatabase({ dataDir, readonly: true });
  if ((db.pragma('user_version', { simple: true }) as number) >= SCHEMA_VERSION) {
    return withStoreTables({ close: () => db.close() }, db);
  }
  db.close();
  return openStoreFile({ dataDir });
}

function defineLazily<T extends object, P extends object>(
  target: T,
  factories: { [K in keyof P]: (this: P) => P[K] },
): T & P {
  for (const key of Object.keys(factories) as Array<keyof P & string>) {
    let value: P[typeof key] | undefined;
    Object.defineProperty(target, key, {
      enumerable: true,
      get() {
        value ??= factories[key].call(this as P);
        return value;
      },
    });
  }
  return target as T & P;
}
