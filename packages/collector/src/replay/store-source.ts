import { digestEventRows, digestPayload, MetricNames } from '@perimeter/schema';
import type { AttributeValue } from '../ingest/types.ts';
import type { SqliteDatabase } from '../store/db.ts';
import { decodeSampleBlock } from '../store/sample-block.ts';
import { findSeqGaps, type SeqArrival } from './seq-gaps.ts';
import { limitKeyOf } from './thresholds.ts';
import type {
  ReplayEvent,
  ReplayInput,
  ReplayProgress,
  ReplaySample,
  ReplayWindow,
  SeriesRef,
} from './types.ts';
import { createChainVerifier, type PrunedRangeRow } from './verify-chain.ts';

/**
 * Reads one node's replay from the store in a single pass over its batches in id (= chain) order:
 * every batch is verified (verify-chain.ts) from genesis to the node's head, and while its rows are
 * at hand the walk keeps what the window needs (events and samples inside it) and what gaps and
 * silences are computed from (stream seqs, data times). Events are merged in by id, which grows
 * with batch id (both are written in the ingest transaction). Read-only: safe beside a running
 * collector (WAL readers never block its writes).
 */
export interface StoreReplayOptions {
  nodeId: string;
  window: ReplayWindow;
  nowMs: () => number;
  onProgress?: (progress: ReplayProgress) => void;
  progressEveryMs?: number;
}

export type StoreReplayResult = { kind: 'ok'; input: ReplayInput } | { kind: 'unknown-node' };

interface BatchRow {
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

export function readReplayFromStore(db: SqliteDatabase, options: StoreReplayOptions): StoreReplayResult {
  const { nodeId, window } = options;
  const node = db.prepare('SELECT chain_head, last_batch_id FROM nodes WHERE node_id = ?').get(nodeId) as
    | { chain_head: string; last_batch_id: number | null }
    | undefined;
  if (node === undefined) {
    return { kind: 'unknown-node' };
  }
  const series = new Map<number, SeriesRef>();
  const limitsBefore = new Map<string, number>();
  for (const row of db
    .prepare('SELECT id, metric, unit, attributes_json, last_value FROM series WHERE node_id = ?')
    .iterate(nodeId) as IterableIterator<{
    id: number;
    metric: string;
    unit: string;
    attributes_json: string;
    last_value: number | null;
  }>) {
    const ref = {
      metric: row.metric,
      unit: row.unit,
      attributes: JSON.parse(row.attributes_json) as Record<string, AttributeValue>,
    };
    series.set(row.id, ref);
    if (row.metric === MetricNames.hwTemperatureLimit && row.last_value !== null) {
      limitsBefore.set(limitKeyOf(ref), row.last_value);
    }
  }
  const prunedRows = db
    .prepare(
      `SELECT from_batch_id AS fromBatchId, to_batch_id AS toBatchId, batch_count AS batchCount,
         min_received_at_ms AS minReceivedAtMs, max_received_at_ms AS maxReceivedAtMs,
         first_prev_hash AS firstPrevHash, last_hash AS lastHash, reason
       FROM pruned_ranges WHERE node_id = ? ORDER BY from_batch_id`,
    )
    .all(nodeId) as PrunedRangeRow[];
  const prunedCount = prunedRows.reduce((sum, range) => sum + range.batchCount, 0);
  const estimatedTotal = Math.max(
    0,
    ((db
      .prepare('SELECT coalesce(sum(last_seq), 0) FROM streams WHERE node_id = ?')
      .pluck()
      .get(nodeId) as number) ?? 0) - prunedCount,
  );

  const verifier = createChainVerifier(nodeId, prunedRows);
  const events: ReplayEvent[] = [];
  const samples: ReplaySample[] = [];
  const dataTimes: number[] = [];
  const arrivals: number[] = [];
  const seqs: SeqArrival[] = [];
  let lastReceivedMs: number | null = null;

  const eventRows = db
    .prepare(
      `SELECT id, batch_id, ts_ms, observed_ms, event_name, severity, body, attributes_json
       FROM events WHERE node_id = ? ORDER BY id`,
    )
    .iterate(nodeId) as IterableIterator<EventRow>;
  let pending: EventRow | undefined = eventRows.next().value ?? undefined;
  const orphan = (event: EventRow, beforeId: number | null) =>
    verifier.report({
      at: String(event.batch_id),
      streamId: null,
      seq: null,
      what: `event row ${event.id} names batch ${event.batch_id}, which is not a stored batch of this node${beforeId === null ? '' : ` in chain order before batch ${beforeId}`} (row added, or its batch removed)`,
    });

  const every = options.progressEveryMs ?? 2000;
  let lastProgressMs = options.nowMs();
  let verified = 0;

  const batches = db
    .prepare(
      `SELECT b.id, b.stream_id, b.seq, b.signal, b.received_at_ms, b.payload, b.payload_sha256, b.rows_sha256,
         b.point_count, b.event_count, b.prev_hash, b.hash, s.samples, s.min_ts_ms, s.max_ts_ms
       FROM batches b LEFT JOIN sample_blocks s ON s.batch_id = b.id
       WHERE b.node_id = ? ORDER BY b.id`,
    )
    .iterate(nodeId) as IterableIterator<BatchRow>;
  for (const batch of batches) {
    const own: EventRow[] = [];
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
      collectSamples(batch, window, series, samples);
      dataTimes.push(batch.max_ts_ms as number);
    } else {
      rowsDigest = digestEventRows(
        own.map((e) => [e.ts_ms, e.observed_ms, e.event_name, e.severity, e.body, e.attributes_json]),
      );
      rowsDescription = `${own.length} event(s); batch says ${batch.event_count}${batch.point_count > 0 ? `, and ${batch.point_count} samples whose block is missing` : ''}`;
      for (const event of own) {
        if (event.ts_ms >= window.fromMs && event.ts_ms <= window.toMs) {
          events.push(toReplayEvent(event));
        }
      }
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
    arrivals.push(batch.received_at_ms);
    lastReceivedMs = Math.max(lastReceivedMs ?? batch.received_at_ms, batch.received_at_ms);
    if (batch.seq !== null && batch.stream_id !== '') {
      // Gaps are placed on the timeline by data time, as everything else on it is.
      const dataTimeMs =
        batch.max_ts_ms ?? own.reduce((max, e) => Math.max(max, e.ts_ms), Number.NEGATIVE_INFINITY);
      seqs.push({
        streamId: batch.stream_id,
        seq: batch.seq,
        timeMs: Number.isFinite(dataTimeMs) ? dataTimeMs : batch.received_at_ms,
      });
    }
    verified++;
    if (options.onProgress && (verified & 1023) === 0) {
      const now = options.nowMs();
      if (now - lastProgressMs >= every) {
        lastProgressMs = now;
        options.onProgress({ verified, total: Math.max(estimatedTotal, verified), unit: 'batches' });
      }
    }
  }
  while (pending !== undefined) {
    orphan(pending, null);
    pending = eventRows.next().value ?? undefined;
  }

  return {
    kind: 'ok',
    input: {
      nodeId,
      window,
      events,
      samples,
      limitsBefore,
      activityMs: dataTimes.length > 0 ? dataTimes : arrivals,
      lastReceivedMs,
      // Pruned ranges explain holes before the first surviving seq of a stream.
      seqGaps: findSeqGaps(seqs, { leadingHolesExplained: prunedRows.length > 0 }),
      integrity: verifier.finish({ chainHead: node.chain_head, lastBatchId: node.last_batch_id }),
    },
  };
}

function collectSamples(
  batch: BatchRow,
  window: ReplayWindow,
  series: ReadonlyMap<number, SeriesRef>,
  out: ReplaySample[],
): void {
  if ((batch.max_ts_ms as number) < window.fromMs || (batch.min_ts_ms as number) > window.toMs) {
    return;
  }
  let triples: ReturnType<typeof decodeSampleBlock>;
  try {
    triples = decodeSampleBlock(batch.samples as Uint8Array);
  } catch {
    return; // A block of the wrong length fails its rows digest and is reported there.
  }
  for (const [seriesId, tsMs, value] of triples) {
    const ref = series.get(seriesId);
    if (ref !== undefined && tsMs >= window.fromMs && tsMs <= window.toMs) {
      out.push({ series: ref, tsMs, value });
    }
  }
}

function toReplayEvent(row: EventRow): ReplayEvent {
  let attributes: Record<string, AttributeValue>;
  try {
    attributes = JSON.parse(row.attributes_json) as Record<string, AttributeValue>;
  } catch {
    attributes = { 'perimeter.replay.unparsed_attributes': row.attributes_json };
  }
  return {
    timeMs: row.ts_ms,
    name: row.event_name,
    severity: row.severity,
    body: row.body,
    attributes,
    source: `batch ${row.batch_id}`,
  };
}
