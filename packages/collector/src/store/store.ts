import { createEventDerivation } from '../derive/event-derivation.ts';
import type { DecodedResource, Signal } from '../otlp/types.ts';
import { createBatchWriter, createGroupCommit, type WriteResult } from './batch-writer.ts';
import { type Checkpointer, startCheckpointer } from './checkpointer.ts';
import { type OpenStoreOptions, openStoreDatabase } from './db.ts';
import { createDerivedRowWriter } from './derived-rows.ts';
import { type LatestValues, loadLatestValues } from './latest-values.ts';
import { createSeriesIndex, type SeriesIndex } from './series-index.ts';
import { type StoreTables, withStoreTables } from './store-file.ts';
import { createWalSync, type WalSyncDeps } from './wal-sync.ts';

/**
 * The durable store. Invariant: `writeBatch` returns only after the batch, its samples, its
 * events, the gap it revealed and the node's new chain head are committed in one transaction, so
 * a 2xx from ingest always means "on disk" and a crash mid-write leaves no partial batch.
 * A repeated (stream, seq) is recognised and not stored twice.
 */

/** A batch as it arrived: the same fields go into the store and come back out to the forward. */
export interface ArrivedBatch {
  nodeId: string;
  /** '' when the client sent no X-Perimeter-Stream (a plain OTel SDK exporter). */
  streamId: string;
  seq: number | null;
  signal: Signal;
  receivedAtMs: number;
  contentType: string;
  contentEncoding: string;
  /** The body exactly as it arrived on the wire. */
  payload: Uint8Array;
}

export interface BatchToStore extends ArrivedBatch {
  resources: DecodedResource[];
  /** `digestPayload(payload)`, where the caller hashed it off the event loop (ingest does, while it decodes). */
  payloadDigest?: string;
}

export type WriteOutcome =
  | {
      outcome: 'stored';
      batchId: number;
      points: number;
      events: number;
      gap: { fromSeq: number; toSeq: number } | null;
    }
  | { outcome: 'duplicate'; batchId: number }
  | { outcome: 'foreign-stream'; ownerNodeId: string };

export interface NodeState {
  nodeId: string;
  firstSeenMs: number;
  lastSeenMs: number;
  chainHead: string;
  resourceJson: string | null;
}

export interface Store extends StoreTables {
  /** The data directory the store file lives in (a replay worker opens its own read-only connection). */
  readonly dataDir: string;
  readonly series: SeriesIndex;
  readonly latest: LatestValues;
  writeBatch(batch: BatchToStore): WriteOutcome;
  /** The same guarantee, shared: concurrent batches commit in one transaction (batch-writer.ts). */
  writeBatchGrouped(batch: BatchToStore): Promise<WriteOutcome>;
  nodes(): NodeState[];
  gapCountsByNode(): Map<string, number>;
  sizeBytes(): number;
  /**
   * Series whose newest point is older than `beforeMs` leave memory (index and latest values);
   * their rows stay for the integrity digest and old samples, and a new point brings one back
   * under its old id. The retention policy calls this with its metric cutoff. Returns how many left.
   */
  evictIdleSeries(beforeMs: number): number;
  /** Persists in-memory latest values; call periodically and before close. */
  checkpoint(): void;
  close(): Promise<void>;
}

export interface StoreOptions extends OpenStoreOptions {
  /** Run WAL checkpoints on a worker thread (the collector does; short-lived tools need not). */
  backgroundCheckpoints?: boolean;
  /** How group commits sync the WAL; tests hold the sync back or make it fail. */
  walSync?: WalSyncDeps;
}

export function openStore(options: StoreOptions): Store {
  const db = openStoreDatabase(options);
  const checkpointer: Checkpointer | undefined = options.backgroundCheckpoints
    ? startCheckpointer(db)
    : undefined;
  const series = createSeriesIndex(db);
  const latest = loadLatestValues(db);
  const nodes = new Map<string, NodeState>();
  for (const row of db.prepare('SELECT * FROM nodes').iterate() as IterableIterator<
    Record<string, unknown>
  >) {
    nodes.set(row['node_id'] as string, {
      nodeId: row['node_id'] as string,
      firstSeenMs: row['first_seen_ms'] as number,
      lastSeenMs: row['last_seen_ms'] as number,
      chainHead: row['chain_head'] as string,
      resourceJson: (row['resource_json'] as string | null) ?? null,
    });
  }

  const statements = {
    gapCounts: db.prepare('SELECT node_id, count(*) AS gaps FROM gaps GROUP BY node_id'),
    pageCount: db.prepare('PRAGMA page_count').pluck(),
    pageSize: db.prepare('PRAGMA page_size').pluck(),
  };
  const deriveFromEvent = createEventDerivation(createDerivedRowWriter(db));
  // Group commits sync the WAL off the loop (wal-sync.ts); a store opened at NORMAL wants no sync.
  const walSync =
    (options.synchronous ?? 'FULL') === 'FULL' && !options.readonly
      ? createWalSync(`${db.name}-wal`, options.walSync)
      : undefined;
  const write = db.transaction(createBatchWriter(db, series, nodes, deriveFromEvent));
  const apply = (results: readonly WriteResult[]) => {
    checkpointer?.afterCommit();
    for (const result of results) {
      if (result.node) {
        nodes.set(result.node.nodeId, result.node);
      }
      for (const [seriesId, tsMs, value] of result.samples) {
        latest.observe(seriesId, tsMs, value);
      }
    }
  };
  const writeBatch = (batch: BatchToStore): WriteOutcome => {
    let result: WriteResult;
    try {
      result = write.immediate(batch);
    } catch (error) {
      series.forgetUncommitted();
      throw error;
    }
    series.commit();
    apply([result]);
    return result.outcome;
  };

  return withStoreTables<Omit<Store, keyof StoreTables>>(
    {
      dataDir: options.dataDir,
      series,
      latest,
      writeBatch,
      writeBatchGrouped: createGroupCommit({
        db,
        series,
        nodes,
        deriveFromEvent,
        apply,
        writeAlone: writeBatch,
        ...(walSync ? { walSync } : {}),
      }),
      nodes: () => [...nodes.values()],
      gapCountsByNode() {
        const counts = new Map<string, number>();
        for (const row of statements.gapCounts.iterate() as IterableIterator<{
          node_id: string;
          gaps: number;
        }>) {
          counts.set(row.node_id, row.gaps);
        }
        return counts;
      },
      sizeBytes: () => (statements.pageCount.get() as number) * (statements.pageSize.get() as number),
      evictIdleSeries(beforeMs) {
        // Rows first get the newest values, so a series that comes back or a restart reads them.
        latest.checkpoint();
        const idle = latest.idleBefore(beforeMs);
        // A series with no newest value at all (its row never got one) is idle too.
        for (const info of series.all()) {
          if (latest.get(info.id) === undefined) idle.push(info.id);
        }
        latest.forget(idle);
        return series.evict(idle, beforeMs);
      },
      checkpoint: () => latest.checkpoint(),
      close() {
        latest.checkpoint();
        walSync?.close();
        if (!checkpointer) {
          db.close();
          return Promise.resolve();
        }
        return checkpointer.stop().then(() => {
          db.close();
        });
      },
    },
    db,
  );
}
