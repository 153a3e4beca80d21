import { computeChainHash, digestEventRows, digestPayload, GENESIS_HASH } from '@perimeter/schema';
import type { DeriveFromEvent } from '../derive/types.ts';
import type { DecodedEvent } from '../otlp/types.ts';
import type { SqliteDatabase } from './db.ts';
import { encodeSampleBlock, type SampleTriple } from './sample-block.ts';
import type { SeriesIndex } from './series-index.ts';
import type { BatchToStore, NodeState, WriteOutcome } from './store.ts';
import type { WalSync } from './wal-sync.ts';

/**
 * The one write transaction of ingest: dedup and gap check on (stream, seq), then the batch row
 * with its chain link, its sample block or events (and what is derived from them, see
 * derive/event-derivation.ts), and the node's new chain head. Runs inside
 * `db.transaction`, so it is all or nothing; in-memory state (`nodes`, samples for `latest`) is
 * handed back and applied by the caller only after the commit.
 */
export interface WriteResult {
  outcome: WriteOutcome;
  node?: NodeState;
  samples: SampleTriple[];
}

export function createBatchWriter(
  db: SqliteDatabase,
  series: SeriesIndex,
  /** The committed chain heads (a group commit overlays the heads written earlier in its group). */
  nodes: Pick<ReadonlyMap<string, NodeState>, 'get'>,
  deriveFromEvent: DeriveFromEvent,
) {
  const statements = {
    findStream: db.prepare('SELECT node_id, last_seq FROM streams WHERE stream_id = ?'),
    findSeq: db.prepare('SELECT id FROM batches WHERE stream_id = ? AND seq = ?').pluck(),
    upsertStream: db.prepare(
      `INSERT INTO streams (stream_id, node_id, last_seq, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(stream_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), last_seen_ms = excluded.last_seen_ms`,
    ),
    insertBatch: db.prepare(
      `INSERT INTO batches (node_id, stream_id, seq, signal, received_at_ms, content_type, content_encoding, payload,
         payload_sha256, rows_sha256, point_count, event_count, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertGap: db.prepare(
      'INSERT INTO gaps (node_id, stream_id, from_seq, to_seq, detected_at_ms, detected_in_batch_id) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertBlock: db.prepare(
      'INSERT INTO sample_blocks (batch_id, node_id, sample_count, min_ts_ms, max_ts_ms, samples) VALUES (?, ?, ?, ?, ?, ?)',
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
  };

  /** Dedup and gap detection on (stream, seq); `null` when the batch is new. */
  const checkSequence = (
    batch: BatchToStore,
  ): { outcome?: WriteOutcome; gap: { fromSeq: number; toSeq: number } | null } => {
    if (batch.streamId === '' || batch.seq === null) {
      return { gap: null };
    }
    const stream = statements.findStream.get(batch.streamId) as
      | { node_id: string; last_seq: number }
      | undefined;
    if (stream && stream.node_id !== batch.nodeId) {
      return { outcome: { outcome: 'foreign-stream', ownerNodeId: stream.node_id }, gap: null };
    }
    const lastSeq = stream?.last_seq ?? 0;
    let gap: { fromSeq: number; toSeq: number } | null = null;
    if (batch.seq <= lastSeq) {
      const existing = statements.findSeq.get(batch.streamId, batch.seq) as number | undefined;
      if (existing !== undefined) {
        return { outcome: { outcome: 'duplicate', batchId: existing }, gap: null };
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
    return { gap };
  };

  return function writeInTransaction(batch: BatchToStore): WriteResult {
    const sequence = checkSequence(batch);
    if (sequence.outcome) {
      return { outcome: sequence.outcome, samples: [] };
    }

    const previous = nodes.get(batch.nodeId);
    let resourceJson = previous?.resourceJson ?? null;
    const samples: SampleTriple[] = [];
    const eventRows: Array<[number, number | null, string | null, number | null, string | null, string]> = [];
    const events: DecodedEvent[] = [];
    for (const resource of batch.resources) {
      if (Object.keys(resource.attributes).length > 0) {
        resourceJson = JSON.stringify(resource.attributes);
      }
      for (const point of resource.points) {
        samples.push([series.idFor(batch.nodeId, point, batch.receivedAtMs), point.timeMs, point.value]);
      }
      for (const event of resource.events) {
        events.push(event);
        eventRows.push([
          event.timeMs,
          event.observedMs,
          event.eventName,
          event.severity,
          event.body,
          JSON.stringify(event.attributes),
        ]);
      }
    }
    const block = samples.length > 0 ? encodeSampleBlock(samples) : null;
    const rowsDigest = block ? digestPayload(block.data) : digestEventRows(eventRows);
    const payloadDigest = batch.payloadDigest ?? digestPayload(batch.payload);
    const previousHash = previous?.chainHead ?? GENESIS_HASH;
    const hash = computeChainHash({
      previousHash,
      nodeId: batch.nodeId,
      streamId: batch.streamId,
      seq: batch.seq,
      signal: batch.signal,
      receivedAtMs: batch.receivedAtMs,
      payloadDigest,
      rowsDigest,
    });

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
        rowsDigest,
        samples.length,
        eventRows.length,
        previousHash,
        hash,
      ).lastInsertRowid,
    );
    if (sequence.gap) {
      statements.insertGap.run(
        batch.nodeId,
        batch.streamId,
        sequence.gap.fromSeq,
        sequence.gap.toSeq,
        batch.receivedAtMs,
        batchId,
      );
    }
    if (block) {
      statements.insertBlock.run(
        batchId,
        batch.nodeId,
        block.count,
        block.minTsMs,
        block.maxTsMs,
        block.data,
      );
    }
    eventRows.forEach((row, index) => {
      const eventId = Number(statements.insertEvent.run(batchId, batch.nodeId, ...row).lastInsertRowid);
      deriveFromEvent({ id: eventId, nodeId: batch.nodeId, event: events[index] as DecodedEvent });
    });
    const firstSeenMs = previous?.firstSeenMs ?? batch.receivedAtMs;
    statements.upsertNode.run(batch.nodeId, firstSeenMs, batch.receivedAtMs, batchId, hash, resourceJson);
    return {
      outcome: {
        outcome: 'stored',
        batchId,
        points: samples.length,
        events: eventRows.length,
        gap: sequence.gap,
      },
      node: {
        nodeId: batch.nodeId,
        firstSeenMs,
        lastSeenMs: batch.receivedAtMs,
        chainHead: hash,
        resourceJson,
      },
      samples,
    };
  };
}

/**
 * Group commit: concurrent requests share one transaction and so one fsync. Batches handed to
 * `write` in the same turn of the event loop (requests whose bodies finished together) are written
 * in arrival order in ONE immediate transaction, and every promise settles only after that
 * transaction has committed: a 2xx still means "this batch is on disk". A later batch of a node
 * in the same group chains to the earlier one's hash (the overlay of heads), and a repeated
 * (stream, seq) inside a group is found as a duplicate like any other. If the group's transaction
 * fails, nothing of it stays, and each batch is retried alone (`writeAlone`), so one bad batch
 * fails only its own request.
 */
export interface GroupCommitDeps {
  db: SqliteDatabase;
  series: SeriesIndex;
  /** The committed heads; `apply` updates them after a commit. */
  nodes: ReadonlyMap<string, NodeState>;
  deriveFromEvent: DeriveFromEvent;
  /** After a commit: the caller's in-memory state (heads, latest values, checkpoints). */
  apply(results: readonly WriteResult[]): void;
  /** One batch in its own transaction, applied: the fallback when a group fails. */
  writeAlone(batch: BatchToStore): WriteOutcome;
  /** Most batches in one transaction (bounds how long one commit holds the loop). */
  maxGroup?: number;
  /**
   * When given, groups commit without SQLite's commit-time fsync and their promises settle once
   * this WAL sync, started after the commit, has completed (wal-sync.ts): the loop serves requests
   * while the disk syncs, and a 2xx still comes only after the batch is on disk.
   */
  walSync?: WalSync;
}

export function createGroupCommit(deps: GroupCommitDeps): (batch: BatchToStore) => Promise<WriteOutcome> {
  const maxGroup = deps.maxGroup ?? 256;
  const overlay = new Map<string, NodeState>();
  const heads = { get: (nodeId: string) => overlay.get(nodeId) ?? deps.nodes.get(nodeId) };
  const writeOne = createBatchWriter(deps.db, deps.series, heads, deps.deriveFromEvent);
  const writeGroup = deps.db.transaction((batches: readonly BatchToStore[]) =>
    batches.map((batch) => {
      const result = writeOne(batch);
      if (result.node) overlay.set(result.node.nodeId, result.node);
      return result;
    }),
  );
  // Every other write on this connection keeps FULL: only group commits hand their sync to walSync.
  const syncAtCommit = {
    normal: deps.db.prepare('PRAGMA synchronous = NORMAL'),
    full: deps.db.prepare('PRAGMA synchronous = FULL'),
  };
  type Waiting = { batch: BatchToStore; resolve(outcome: WriteOutcome): void; reject(error: unknown): void };
  let queue: Waiting[] = [];

  const flush = () => {
    const group = queue.slice(0, maxGroup);
    queue = queue.slice(maxGroup);
    if (queue.length > 0) setImmediate(flush);
    if (group.length === 0) return;
    let results: WriteResult[];
    try {
      if (deps.walSync) syncAtCommit.normal.run();
      results = writeGroup.immediate(group.map((waiting) => waiting.batch));
    } catch {
      if (deps.walSync) syncAtCommit.full.run();
      overlay.clear();
      deps.series.forgetUncommitted();
      for (const waiting of group) {
        try {
          waiting.resolve(deps.writeAlone(waiting.batch));
        } catch (error) {
          waiting.reject(error);
        }
      }
      return;
    }
    overlay.clear();
    deps.series.commit();
    // The next group chains to these heads whether or not the sync below has finished.
    deps.apply(results);
    const settle = () => {
      group.forEach((waiting, index) => {
        waiting.resolve((results[index] as WriteResult).outcome);
      });
    };
    if (deps.walSync === undefined) {
      settle();
      return;
    }
    syncAtCommit.full.run();
    deps.walSync.whenDurable().then(settle, (error: unknown) => {
      for (const waiting of group) waiting.reject(error);
    });
  };

  return (batch) =>
    new Promise<WriteOutcome>((resolve, reject) => {
      queue.push({ batch, resolve, reject });
      if (queue.length === 1) setImmediate(flush);
    });
}
