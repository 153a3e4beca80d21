import { computeChainHash, digestPayload, GENESIS_HASH } from '@perimeter/schema';
import type { DecodedResource, Signal } from '../ingest/types.ts';
import { type Checkpointer, startCheckpointer } from './checkpointer.ts';
import { type OpenStoreOptions, openStoreDatabase, type SqliteDatabase } from './db.ts';
import { type LatestValues, loadLatestValues } from './latest-values.ts';
import { createSeriesIndex, type SeriesIndex } from './series-index.ts';

/**
 * The durable store. Invariant: `writeBatch` returns only after the batch, its samples, its
 * events, the gap it revealed and the node's new chain head are committed in one transaction, so
 * a 2xx from ingest always means "on disk" and a crash mid-write leaves no partial batch.
 * A repeated (stream, seq) is recognised and not stored twice.
 */

const SAMPLE_CHUNK = 100;

export interface BatchToStore {
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
  resources: DecodedResource[];
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

export interface Store {
  readonly db: SqliteDatabase;
  readonly series: SeriesIndex;
  readonly latest: LatestValues;
  writeBatch(batch: BatchToStore): WriteOutcome;
  nodes(): NodeState[];
  gapCountsByNode(): Map<string, number>;
  sizeBytes(): number;
  /** Persists in-memory latest values; call periodically and before close. */
  checkpoint(): void;
  close(): Promise<void>;
}

export interface StoreOptions extends OpenStoreOptions {
  /** Run WAL checkpoints on a worker thread (the collector does; short-lived tools need not). */
  backgroundCheckpoints?: boolean;
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
    findStream: db.prepare('SELECT node_id, last_seq FROM streams WHERE stream_id = ?'),
    findSeq: db.prepare('SELECT id FROM batches WHERE stream_id = ? AND seq = ?').pluck(),
    upsertStream: db.prepare(
      `INSERT INTO streams (stream_id, node_id, last_seq, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(stream_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), last_seen_ms = excluded.last_seen_ms`,
    ),
    insertBatch: db.prepare(
      `INSERT INTO batches (node_id, stream_id, seq, signal, received_at_ms, content_type, content_encoding, payload,
         payload_sha256, point_count, event_count, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertGap: db.prepare(
      'INSERT INTO gaps (node_id, stream_id, from_seq, to_seq, detected_at_ms, detected_in_batch_id) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertSample: db.prepare('INSERT INTO samples (batch_id, series_id, ts_ms, value) VALUES (?, ?, ?, ?)'),
    insertSampleChunk: db.prepare(
      `INSERT INTO samples (batch_id, series_id, ts_ms, value) VALUES ${Array(SAMPLE_CHUNK).fill('(?, ?, ?, ?)').join(', ')}`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (batch_id, node_id, ts_ms, observed_ms, event_name, severity, body, attributes_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    upsertNode: db.prepare(
      `INSERT INTO nodes (node_id, first_seen_ms, last_seen_ms, last_batch_id, chain_head, resource_json) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(node_id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, last_batch_id = excluded.last_batch_id,
         chain_head = excluded.chain_head, resource_json = excluded.resource_json`,
    ),
    gapCounts: db.prepare('SELECT node_id, count(*) AS gaps FROM gaps GROUP BY node_id'),
    pageCount: db.prepare('PRAGMA page_count').pluck(),
    pageSize: db.prepare('PRAGMA page_size').pluck(),
  };

  // Samples observed inside the transaction; applied to `latest` only once it commits.
  let pendingSamples: Array<[number, number, number]> = [];

  // Rows go in SAMPLE_CHUNK at a time: one statement call per row would cost more than the insert itself.
  const chunkArgs: number[] = new Array(SAMPLE_CHUNK * 4);
  const insertSamples = (batchId: number, samples: ReadonlyArray<[number, number, number]>) => {
    let index = 0;
    for (; index + SAMPLE_CHUNK <= samples.length; index += SAMPLE_CHUNK) {
      for (let j = 0; j < SAMPLE_CHUNK; j++) {
        const [seriesId, tsMs, value] = samples[index + j] as [number, number, number];
        chunkArgs[j * 4] = batchId;
        chunkArgs[j * 4 + 1] = seriesId;
        chunkArgs[j * 4 + 2] = tsMs;
        chunkArgs[j * 4 + 3] = value;
      }
      statements.insertSampleChunk.run(chunkArgs);
    }
    for (; index < samples.length; index++) {
      const [seriesId, tsMs, value] = samples[index] as [number, number, number];
      statements.insertSample.run(batchId, seriesId, tsMs, value);
    }
  };

  const write = db.transaction((batch: BatchToStore): WriteOutcome => {
    let gap: { fromSeq: number; toSeq: number } | null = null;
    if (batch.streamId !== '' && batch.seq !== null) {
      const stream = statements.findStream.get(batch.streamId) as
        | { node_id: string; last_seq: number }
        | undefined;
      if (stream && stream.node_id !== batch.nodeId) {
        return { outcome: 'foreign-stream', ownerNodeId: stream.node_id };
      }
      const lastSeq = stream?.last_seq ?? 0;
      if (batch.seq <= lastSeq) {
        const existing = statements.findSeq.get(batch.streamId, batch.seq) as number | undefined;
        if (existing !== undefined) {
          return { outcome: 'duplicate', batchId: existing };
        }
        // Below the high-water mark but never stored: a late arrival filling an earlier gap.
      } else if (batch.seq > lastSeq + 1) {
        gap = { fromSeq: lastSeq + 1, toSeq: batch.seq - 1 };
      }
      statements.upsertStream.run(
        batch.streamId,
        batch.nodeId,
        batch.seq,
        batch.receivedAtMs,
        batch.receivedAtMs,
      );
    }

    const node = nodes.get(batch.nodeId);
    const previousHash = node?.chainHead ?? GENESIS_HASH;
    const payloadDigest = digestPayload(batch.payload);
    const hash = computeChainHash({
      previousHash,
      nodeId: batch.nodeId,
      streamId: batch.streamId,
      seq: batch.seq,
      signal: batch.signal,
      receivedAtMs: batch.receivedAtMs,
      payloadDigest,
    });

    let pointCount = 0;
    let eventCount = 0;
    for (const resource of batch.resources) {
      pointCount += resource.points.length;
      eventCount += resource.events.length;
    }
    const batchId = Number(
      statements.insertBatch.run(
        batch.nodeId,
        batch.streamId,
        batch.seq,
        batch.signal,
        batch.receivedAtMs,
        batch.contentType,
        batch.contentEncoding,
        batch.payload,
        payloadDigest,
        pointCount,
        eventCount,
        previousHash,
        hash,
      ).lastInsertRowid,
    );
    if (gap) {
      statements.insertGap.run(
        batch.nodeId,
        batch.streamId,
        gap.fromSeq,
        gap.toSeq,
        batch.receivedAtMs,
        batchId,
      );
    }

    let resourceJson = node?.resourceJson ?? null;
    for (const resource of batch.resources) {
      if (Object.keys(resource.attributes).length > 0) {
        resourceJson = JSON.stringify(resource.attributes);
      }
      for (const point of resource.points) {
        const seriesId = series.idFor(batch.nodeId, point, batch.receivedAtMs);
        pendingSamples.push([seriesId, point.timeMs, point.value]);
      }
      for (const event of resource.events) {
        statements.insertEvent.run(
          batchId,
          batch.nodeId,
          event.timeMs,
          event.observedMs,
          event.eventName,
          event.severity,
          event.body,
          JSON.stringify(event.attributes),
        );
      }
    }

    insertSamples(batchId, pendingSamples);

    const firstSeenMs = node?.firstSeenMs ?? batch.receivedAtMs;
    statements.upsertNode.run(batch.nodeId, firstSeenMs, batch.receivedAtMs, batchId, hash, resourceJson);
    nodes.set(batch.nodeId, {
      nodeId: batch.nodeId,
      firstSeenMs,
      lastSeenMs: batch.receivedAtMs,
      chainHead: hash,
      resourceJson,
    });
    return { outcome: 'stored', batchId, points: pointCount, events: eventCount, gap };
  });

  return {
    db,
    series,
    latest,
    writeBatch(batch) {
      const nodeBefore = nodes.get(batch.nodeId);
      pendingSamples = [];
      let outcome: WriteOutcome;
      try {
        outcome = write.immediate(batch);
      } catch (error) {
        series.forgetUncommitted();
        if (nodeBefore) {
          nodes.set(batch.nodeId, nodeBefore);
        } else {
          nodes.delete(batch.nodeId);
        }
        throw error;
      }
      series.commit();
      checkpointer?.afterCommit();
      for (const [seriesId, tsMs, value] of pendingSamples) {
        latest.observe(seriesId, tsMs, value);
      }
      pendingSamples = [];
      return outcome;
    },
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
    checkpoint: () => latest.checkpoint(),
    close() {
      latest.checkpoint();
      if (!checkpointer) {
        db.close();
        return Promise.resolve();
      }
      return checkpointer.stop().then(() => {
        db.close();
      });
    },
  };
}
