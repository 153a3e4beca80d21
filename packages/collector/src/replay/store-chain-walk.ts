import { digestEventRows, digestPayload } from '@perimeter/schema';
import type { SqliteDatabase } from '../store/db.ts';
import type { IntegrityVerdict } from './types.ts';
import { createChainVerifier, type PrunedRangeRow } from './verify-chain.ts';

/**
 * One node's stored hash chain walked from genesis to head in a single streaming pass over its
 * batches in id (= chain) order, each checked with verify-chain.ts against the rows beside it: the
 * payload bytes, the sample block or the events (merged in by id, which grows with batch id: both
 * are written in the ingest transaction), the pruned ranges and the node's recorded head. Replay
 * (store-source.ts) and the evidence integrity section (../evidence/integrity.ts) both walk it
 * this way; `onBatch` hands each verified batch and its events to whoever keeps data from them.
 * Read-only: safe beside a running collector (WAL readers never block its writes).
 */
export interface StoredBatchRow {
  id: number;
  stream_id: string;
  seq: number | null;
  signal: string;
  received_at_ms: number;
  payload: Uint8Array;
  payload_sha256: string;
  rows_sha256: string;
  point_count: number;
  event_count: number;
  prev_hash: string;
  hash: string;
  samples: Uint8Array | null;
  min_ts_ms: number | null;
  max_ts_ms: number | null;
}

export interface StoredEventRow {
  id: number;
  batch_id: number;
  ts_ms: number;
  observed_ms: number | null;
  event_name: string | null;
  severity: number | null;
  body: string | null;
  attributes_json: string;
}

export interface NodeHead {
  chainHead: string;
  lastBatchId: number | null;
}

export interface StoreChainWalk {
  nodeId: string;
  prunedRows: readonly PrunedRangeRow[];
  /** The node's recorded head, or null for a node the store has no row for. */
  head: NodeHead | null;
  /**
   * Whether a stray event row's problem also says which batch it stood before in chain order
   * (replay's wording); the evidence report keeps its shorter one.
   */
  placeOrphans: boolean;
  /** After each batch is checked: the batch, its own event rows, and how many batches so far. */
  onBatch?: (batch: StoredBatchRow, own: readonly StoredEventRow[], verified: number) => void;
}

export function readNodeHead(db: SqliteDatabase, nodeId: string): NodeHead | undefined {
  const node = db.prepare('SELECT chain_head, last_batch_id FROM nodes WHERE node_id = ?').get(nodeId) as
    | { chain_head: string; last_batch_id: number | null }
    | undefined;
  return node === undefined ? undefined : { chainHead: node.chain_head, lastBatchId: node.last_batch_id };
}

export function readPrunedRanges(db: SqliteDatabase, nodeId: string): PrunedRangeRow[] {
  return db
    .prepare(
      `SELECT from_batch_id AS fromBatchId, to_batch_id AS toBatchId, batch_count AS batchCount,
         min_received_at_ms AS minReceivedAtMs, max_received_at_ms AS maxReceivedAtMs,
         first_prev_hash AS firstPrevHash, last_hash AS lastHash, reason
       FROM pruned_ranges WHERE node_id = ? ORDER BY from_batch_id`,
    )
    .all(nodeId) as PrunedRangeRow[];
}

export function walkStoredChain(db: SqliteDatabase, walk: StoreChainWalk): IntegrityVerdict {
  const { nodeId, onBatch } = walk;
  const verifier = createChainVerifier(nodeId, walk.prunedRows);
  const eventRows = db
    .prepare(
      `SELECT id, batch_id, ts_ms, observed_ms, event_name, severity, body, attributes_json
       FROM events WHERE node_id = ? ORDER BY id`,
    )
    .iterate(nodeId) as IterableIterator<StoredEventRow>;
  let pending: StoredEventRow | undefined = eventRows.next().value ?? undefined;
  const orphan = (event: StoredEventRow, beforeId: number | null) =>
    verifier.report({
      at: String(event.batch_id),
      streamId: null,
      seq: null,
      what: `event row ${event.id} names batch ${event.batch_id}, which is not a stored batch of this node${walk.placeOrphans && beforeId !== null ? ` in chain order before batch ${beforeId}` : ''} (row added, or its batch removed)`,
    });
  const batches = db
    .prepare(
      `SELECT b.id, b.stream_id, b.seq, b.signal, b.received_at_ms, b.payload, b.payload_sha256, b.rows_sha256,
         b.point_count, b.event_count, b.prev_hash, b.hash, s.samples, s.min_ts_ms, s.max_ts_ms
       FROM batches b LEFT JOIN sample_blocks s ON s.batch_id = b.id
       WHERE b.node_id = ? ORDER BY b.id`,
    )
    .iterate(nodeId) as IterableIterator<StoredBatchRow>;
  let verified = 0;
  for (const batch of batches) {
    const own: StoredEventRow[] = [];
    while (pending !== undefined && pending.batch_id <= batch.id) {
      if (pending.batch_id === batch.id) {
        own.push(pending);
      } else {
        orphan(pending, batch.id);
      }
      pending = eventRows.next().value ?? undefined;
    }
    let rowsDigest: string;
    let rowsDescription: string;
    if (batch.samples !== null) {
      rowsDigest = digestPayload(batch.samples);
      rowsDescription = `sample block of ${Math.floor(batch.samples.byteLength / 24)} samples; batch says ${batch.point_count}`;
      if (own.length > 0) {
        verifier.report({
          at: String(batch.id),
          streamId: batch.stream_id,
          seq: batch.seq,
          what: `${own.length} event row(s) are attached to a metrics batch (rows added)`,
        });
      }
    } else {
      rowsDigest = digestEventRows(
        own.map((e) => [e.ts_ms, e.observed_ms, e.event_name, e.severity, e.body, e.attributes_json]),
      );
      rowsDescription = `${own.length} event(s); batch says ${batch.event_count}${batch.point_count > 0 ? `, and ${batch.point_count} samples whose block is missing` : ''}`;
    }
    verifier.check({
      id: batch.id,
      streamId: batch.stream_id,
      seq: batch.seq,
      signal: batch.signal,
      receivedAtMs: batch.received_at_ms,
      payloadDigest: digestPayload(batch.payload),
      storedPayloadSha: batch.payload_sha256,
      rowsDigest,
      storedRowsSha: batch.rows_sha256,
      rowsDescription,
      prevHash: batch.prev_hash,
      hash: batch.hash,
    });
    verified++;
    onBatch?.(batch, own, verified);
  }
  while (pending !== undefined) {
    orphan(pending, null);
    pending = eventRows.next().value ?? undefined;
  }
  return verifier.finish(walk.head);
}
