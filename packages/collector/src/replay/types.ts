import type { CheckpointStanding } from '../integrity/checkpoint-standing.ts';
import type { AttributeValue } from '../otlp/types.ts';

/**
 * The replay's data model, shared by both sources (the store, an OTLP JSON archive) and every
 * renderer. A source turns what it holds into a `ReplayInput`; `buildTimeline` (pure) turns that
 * into rows in time order. Times are epoch milliseconds.
 */

export interface ReplayWindow {
  fromMs: number;
  toMs: number;
}

export interface ReplayFilters {
  eventsOnly: boolean;
  /** Event names to keep; empty keeps all. */
  events: readonly string[];
  /** Metric names to keep; empty keeps all. */
  metrics: readonly string[];
}

export interface SeriesRef {
  metric: string;
  unit: string;
  attributes: Record<string, AttributeValue>;
}

export interface ReplayEvent {
  timeMs: number;
  name: string | null;
  severity: number | null;
  body: string | null;
  attributes: Record<string, AttributeValue>;
  /** Stored batch id (store) or `file:line` (archive): where the row came from. */
  source: string;
}

export interface ReplaySample {
  series: SeriesRef;
  tsMs: number;
  value: number;
}

/** Seqs that never arrived in a stream, with the data times on either side of the hole. */
export interface SeqGap {
  streamId: string;
  fromSeq: number;
  toSeq: number;
  afterMs: number | null;
  beforeMs: number | null;
}

export interface PrunedRange {
  fromBatchId: number;
  toBatchId: number;
  batchCount: number;
  fromMs: number;
  toMs: number;
  reason: string;
  linkVerified: boolean;
}

export interface IntegrityProblem {
  /** Stored batch id, or `file:line` for an archive. */
  at: string;
  streamId: string | null;
  seq: number | null;
  what: string;
}

export interface IntegrityVerdict {
  source: 'store' | 'archive';
  ok: boolean;
  /** Batches (store) or lines (archive) checked. */
  checked: number;
  /** One line: "chain holds over N batches" or "BROKEN at batch …". */
  summary: string;
  problems: IntegrityProblem[];
  /** Problems past the cap on `problems`. */
  moreProblems: number;
  pruned: PrunedRange[];
  /**
   * The signed checkpoint the store was verified against (integrity/checkpoint-standing.ts), when
   * read from the store; absent for an archive.
   */
  checkpoint?: CheckpointStanding;
}

export interface ReplayInput {
  nodeId: string;
  window: ReplayWindow;
  /** Events with a time inside the window. */
  events: ReplayEvent[];
  /** Samples with a time inside the window (limit series included, for thresholds). */
  samples: ReplaySample[];
  /** Newest value of each limit series known before the window, keyed by seriesKeyOf(). */
  limitsBefore: Map<string, number>;
  /** Data times of the node's activity (sample times, else arrival), any order, up to the window end. */
  activityMs: number[];
  lastReceivedMs: number | null;
  seqGaps: SeqGap[];
  integrity: IntegrityVerdict;
}

export type Breach = { level: 'critical' | 'degraded' | 'fail' | 'heavy'; threshold: number; rule: string };

export type TimelineRow =
  | {
      kind: 'event';
      timeMs: number;
      name: string | null;
      severity: number | null;
      body: string | null;
      attributes: Record<string, AttributeValue>;
      source: string;
      beforeSilence: boolean;
    }
  | {
      kind: 'metric';
      timeMs: number;
      intervalMs: number;
      metric: string;
      unit: string;
      attributes: Record<string, AttributeValue>;
      min: number;
      max: number;
      last: number;
      count: number;
      breach: Breach | null;
      beforeSilence: boolean;
    }
  | {
      kind: 'gap';
      timeMs: number;
      endMs: number | null;
      streamId: string;
      fromSeq: number;
      toSeq: number;
      missing: number;
      cause: string;
    }
  | { kind: 'silence'; timeMs: number; endMs: number; durationMs: number; ongoing: boolean; cause: string }
  | { kind: 'last-seen'; timeMs: number; receivedAtMs: number | null }
  | {
      kind: 'pruned';
      timeMs: number;
      endMs: number;
      fromBatchId: number;
      toBatchId: number;
      batchCount: number;
      reason: string;
      linkVerified: boolean;
    };

export interface Timeline {
  nodeId: string;
  fromMs: number;
  toMs: number;
  intervalMs: number;
  usualIntervalMs: number | null;
  lastSeenMs: number | null;
  integrity: IntegrityVerdict;
  counts: { events: number; metricRows: number; gaps: number; silences: number; breaches: number };
  rows: TimelineRow[];
}

export interface ReplayProgress {
  verified: number;
  /** Best estimate of the batches to verify (store) or bytes to read (archive). */
  total: number;
  unit: 'batches' | 'bytes';
}
