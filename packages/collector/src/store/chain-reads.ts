import type { SqliteDatabase } from './db.ts';

/**
 * One node's stored hash chain as the verifier walks it (replay/store-chain-walk.ts): its batches
 * in id (= chain) order, each with its sample block or its own event rows, the pruned ranges and
 * the node's recorded head. Read-only: safe beside a running collector (WAL readers never block
 * its writes).
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

export interface PrunedRangeRow {
  fromBatchId: number;
  toBatchId: number;
  batchCount: number;
  minReceivedAtMs: number;
  maxReceivedAtMs: number;
  firstPrevHash: string;
  lastHash: string;
  reason: string;
}

/** A step of the walk: a batch with its own events, or an event row that names no stored batch of the node. */
export type ChainStep =
  | { kind: 'batch'; batch: StoredBatchRow; events: StoredEventRow[] }
  | { kind: 'stray-event'; event: StoredEventRow; beforeBatchId: number | null };

export interface NodeSeriesRow {
  id: number;
  metric: string;
  unit: string;
  attributesJson: string;
  lastValue: number | null;
}

export interface ChainReads {
  /** The node's recorded head, or undefined for a node the store has no row for. */
  nodeHead(nodeId: string): NodeHead | undefined;
  prunedRanges(nodeId: string): PrunedRangeRow[];
  /** Streams the node's batches in chain order, one pass, with every event row placed where it falls. */
  walk(nodeId: string): Generator<ChainStep>;
  nodeSeries(nodeId: string): NodeSeriesRow[];
  /** The sum of the node's streams' last seq: about how many batches it ever sent. */
  sentBatchesEstimate(nodeId: string): number;
}

export function createChainReads(db: SqliteDatabase): ChainReads {
  const statements = {
    head: db.prepare('SELECT chain_head, last_batch_id FROM nodes WHERE node_id = ?'),
    pruned: db.prepare(
      `SELECT from_batch_id AS fromBatchId, to_batch_id AS toBatchId, batch_count AS batchCount,
         min_received_at_ms AS minReceivedAtMs, max_received_at_ms AS maxReceivedAtMs,
         first_prev_hash AS firstPrevHash, last_hash AS lastHash, reason
       FROM pruned_ranges WHERE node_id = ? ORDER BY from_batch_id`,
    ),
    events: db.prepare(
      `SELECT id, batch_id, ts_ms, observed_ms, event_name, severity, body, attributes_json
       FROM events WHERE node_id = ? ORDER BY id`,
    ),
    batches: db.prepare(
      `SELECT b.id, b.stream_id, b.seq, b.signal, b.received_at_ms, b.payload, b.payload_sha256, b.rows_sha256,
         b.point_count, b.event_count, b.prev_hash, b.hash, s.samples, s.min_ts_ms, s.max_ts_ms
       FROM batches b LEFT JOIN sample_blocks s ON s.batch_id = b.id
       WHERE b.node_id = ? ORDER BY b.id`,
    ),
    series: db.prepare(
      `SELECT id, metric, unit, attributes_json AS attributesJson, last_value AS lastValue FROM series WHERE node_id = ?`,
    ),
    sentEstimate: db.prepare('SELECT coalesce(sum(last_seq), 0) FROM streams WHERE node_id = ?').pluck(),
  };
  return {
    nodeHead(nodeId) {
      const node = statements.head.get(nodeId) as
        | { chain_head: string; last_batch_id: number | null }
        | undefined;
      return node === undefined ? undefined : { chainHead: node.chain_head, lastBatchId: node.last_batch_id };
    },
    prunedRanges: (nodeId) => statements.pruned.all(nodeId) as PrunedRangeRow[],
    *walk(nodeId) {
      // events.id grows with batch_id (both are written in the ingest transaction), so the node's
      // events in id order merge into its batches in id order in one pass.
      const eventRows = statements.events.iterate(nodeId) as IterableIterator<StoredEventRow>;
      let pending: StoredEventRow | undefined = eventRows.next().value ?? undefined;
      for (const batch of statements.batches.iterate(nodeId) as IterableIterator<StoredBatchRow>) {
        const events: StoredEventRow[] = [];
        while (pending !== undefined && pending.batch_id <= batch.id) {
          if (pending.batch_id === batch.id) {
            events.push(pending);
          } else {
            yield { kind: 'stray-event', event: pending, beforeBatchId: batch.id };
          }
          pending = eventRows.next().value ?? undefined;
        }
        yield { kind: 'batch', batch, events };
      }
      while (pending !== undefined) {
        yield { kind: 'stray-event', event: pending, beforeBatchId: null };
        pending = eventRows.next().value ?? undefined;
      }
    },
    nodeSeries: (nodeId) => statements.series.all(nodeId) as NodeSeriesRow[],
    sentBatchesEstimate: (nodeId) => (statements.sentEstimate.get(nodeId) as number | null) ?? 0,
  };
}
