import { MetricNames } from '@perimeter/schema';
import type { AttributeValue } from '../otlp/types.ts';
import type { ChainReads, StoredBatchRow, StoredEventRow } from '../store/chain-reads.ts';
import { decodeSampleBlock } from '../store/sample-block.ts';
import { findSeqGaps, type SeqArrival } from './seq-gaps.ts';
import { walkStoredChain } from './store-chain-walk.ts';
import { limitKeyOf } from './thresholds.ts';
import type {
  ReplayEvent,
  ReplayInput,
  ReplayProgress,
  ReplaySample,
  ReplayWindow,
  SeriesRef,
} from './types.ts';

/**
 * Reads one node's replay from the store in the single verifying pass over its batches that
 * store-chain-walk.ts makes (every batch checked from genesis to the node's head): while a batch's
 * rows are at hand it keeps what the window needs (events and samples inside it) and what gaps and
 * silences are computed from (stream seqs, data times). Read-only: safe beside a running collector
 * (WAL readers never block its writes).
 */
export interface StoreReplayOptions {
  nodeId: string;
  window: ReplayWindow;
  nowMs: () => number;
  onProgress?: (progress: ReplayProgress) => void;
  progressEveryMs?: number;
}

export type StoreReplayResult = { kind: 'ok'; input: ReplayInput } | { kind: 'unknown-node' };

export function readReplayFromStore(chain: ChainReads, options: StoreReplayOptions): StoreReplayResult {
  const { nodeId, window } = options;
  const head = chain.nodeHead(nodeId);
  if (head === undefined) {
    return { kind: 'unknown-node' };
  }
  const series = new Map<number, SeriesRef>();
  const limitsBefore = new Map<string, number>();
  for (const row of chain.nodeSeries(nodeId)) {
    const ref = {
      metric: row.metric,
      unit: row.unit,
      attributes: JSON.parse(row.attributesJson) as Record<string, AttributeValue>,
    };
    series.set(row.id, ref);
    if (row.metric === MetricNames.hwTemperatureLimit && row.lastValue !== null) {
      limitsBefore.set(limitKeyOf(ref), row.lastValue);
    }
  }
  const prunedRows = chain.prunedRanges(nodeId);
  const prunedCount = prunedRows.reduce((sum, range) => sum + range.batchCount, 0);
  const estimatedTotal = Math.max(0, chain.sentBatchesEstimate(nodeId) - prunedCount);

  const events: ReplayEvent[] = [];
  const samples: ReplaySample[] = [];
  const dataTimes: number[] = [];
  const arrivals: number[] = [];
  const seqs: SeqArrival[] = [];
  let lastReceivedMs: number | null = null;

  const every = options.progressEveryMs ?? 2000;
  let lastProgressMs = options.nowMs();

  const integrity = walkStoredChain(chain, {
    nodeId,
    prunedRows,
    head,
    placeOrphans: true,
    onBatch: (batch, own, verified) => {
      if (batch.samples !== null) {
        collectSamples(batch, window, series, samples);
        dataTimes.push(batch.max_ts_ms as number);
      } else {
        for (const event of own) {
          if (event.ts_ms >= window.fromMs && event.ts_ms <= window.toMs) {
            events.push(toReplayEvent(event));
          }
        }
      }
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
      if (options.onProgress && (verified & 1023) === 0) {
        const now = options.nowMs();
        if (now - lastProgressMs >= every) {
          lastProgressMs = now;
          options.onProgress({ verified, total: Math.max(estimatedTotal, verified), unit: 'batches' });
        }
      }
    },
  });

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
      integrity,
    },
  };
}

function collectSamples(
  batch: StoredBatchRow,
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

function toReplayEvent(row: StoredEventRow): ReplayEvent {
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
