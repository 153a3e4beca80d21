import { digestEventRows, digestPayload } from '@perimeter/schema';
import type {
  ChainReads,
  NodeHead,
  PrunedRangeRow,
  StoredBatchRow,
  StoredEventRow,
} from '../store/chain-reads.ts';
import type { IntegrityVerdict } from './types.ts';
import { createChainVerifier } from './verify-chain.ts';

export type { NodeHead, StoredBatchRow, StoredEventRow } from '../store/chain-reads.ts';

/**
 * One node's stored hash chain walked from genesis to head in a single streaming pass over its
 * batches in chain order (store/chain-reads.ts), each checked with verify-chain.ts against the
 * rows beside it: the payload bytes, the sample block or the events, the pruned ranges and the
 * node's recorded head. Replay
 * (store-source.ts) and the evidence integrity section (../evidence/integrity.ts) both walk it
 * this way; `onBatch` hands each verified batch and its events to whoever keeps data from them.
 * Read-only: safe beside a running collector (WAL readers never block its writes).
 */
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

export function walkStoredChain(chain: Pick<ChainReads, 'walk'>, walk: StoreChainWalk): IntegrityVerdict {
  const { nodeId, onBatch } = walk;
  const verifier = createChainVerifier(nodeId, walk.prunedRows);
  let verified = 0;
  for (const step of chain.walk(nodeId)) {
    if (step.kind === 'stray-event') {
      const { event, beforeBatchId } = step;
      verifier.report({
        at: String(event.batch_id),
        streamId: null,
        seq: null,
        what: `event row ${event.id} names batch ${event.batch_id}, which is not a stored batch of this node${walk.placeOrphans && beforeBatchId !== null ? ` in chain order before batch ${beforeBatchId}` : ''} (row added, or its batch removed)`,
      });
      continue;
    }
    const { batch, events: own } = step;
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
  return verifier.finish(walk.head);
}
