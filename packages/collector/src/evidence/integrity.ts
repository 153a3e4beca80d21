import { digestEventRows, digestPayload } from '@perimeter/schema';
import type { IntegrityVerdict } from '../replay/types.ts';
import { createChainVerifier, type PrunedRangeRow } from '../replay/verify-chain.ts';
import type { SqliteDatabase } from '../store/db.ts';

/**
 * The integrity section: every node's whole hash chain, genesis to head, checked with the replay
 * verifier (verify-chain.ts) over the same rows replay reads: the payload bytes, the sample block
 * or events beside each batch, the pruned ranges (forward quota and retention) and the node's
 * recorded head. Unlike replay it keeps nothing of the data, so a 90-day store is one streaming
 * pass per node. Read-only.
 */
export interface NodeIntegrity {
  nodeId: string;
  verdict: IntegrityVerdict;
}

interface BatchRow {
  id: number;
  stream_id: string;
  seq: number | null;
  signal: string;
  received_at_ms: number;
  payload: Uint8Array;
  payload_sha256: string;
  rows_sha256: string;
  event_count: number;
  point_count: number;
  prev_hash: string;
  hash: string;
  samples: Uint8Array | null;
}

interface EventRow {
  id: number;
  batch_id: number;
  ts_ms: number;
  observed_ms: number | null;
  event_name: string | null;
  severity: number | null;
  body: string | null;
  attributes_json: string;
}

export function verifyNodeChain(
  db: SqliteDatabase,
  nodeId: string,
  onProgress?: (verified: number) => void,
): IntegrityVerdict {
  const node = db.prepare('SELECT chain_head, last_batch_id FROM nodes WHERE node_id = ?').get(nodeId) as
    | { chain_head: string; last_batch_id: number | null }
    | undefined;
  const prunedRows = db
    .prepare(
      `SELECT from_batch_id AS fromBatchId, to_batch_id AS toBatchId, batch_count AS batchCount,
         min_received_at_ms AS minReceivedAtMs, max_received_at_ms AS maxReceivedAtMs,
         first_prev_hash AS firstPrevHash, last_hash AS lastHash, reason
       FROM pruned_ranges WHERE node_id = ? ORDER BY from_batch_id`,
    )
    .all(nodeId) as PrunedRangeRow[];
  const verifier = createChainVerifier(nodeId, prunedRows);
  const eventRows = db
    .prepare(
      `SELECT id, batch_id, ts_ms, observed_ms, event_name, severity, body, attributes_json
       FROM events WHERE node_id = ? ORDER BY id`,
    )
    .iterate(nodeId) as IterableIterator<EventRow>;
  let pending: EventRow | undefined = eventRows.next().value ?? undefined;
  const orphan = (event: EventRow) =>
    verifier.report({
      at: String(event.batch_id),
      streamId: null,
      seq: null,
      what: `event row ${event.id} names batch ${event.batch_id}, which is not a stored batch of this node (row added, or its batch removed)`,
    });
  const batches = db
    .prepare(
      `SELECT b.id, b.stream_id, b.seq, b.signal, b.received_at_ms, b.payload, b.payload_sha256, b.rows_sha256,
         b.event_count, b.point_count, b.prev_hash, b.hash, s.samples
       FROM batches b LEFT JOIN sample_blocks s ON s.batch_id = b.id
       WHERE b.node_id = ? ORDER BY b.id`,
    )
    .iterate(nodeId) as IterableIterator<BatchRow>;
  let verified = 0;
  for (const batch of batches) {
    const own: EventRow[] = [];
    while (pending !== undefined && pending.batch_id <= batch.id) {
      if (pending.batch_id === batch.id) {
        own.push(pending);
      } else {
        orphan(pending);
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
    if (onProgress && (verified & 8191) === 0) {
      onProgress(verified);
    }
  }
  while (pending !== undefined) {
    orphan(pending);
    pending = eventRows.next().value ?? undefined;
  }
  return verifier.finish(node ? { chainHead: node.chain_head, lastBatchId: node.last_batch_id } : null);
}
