import type { ParsedCheckpoint } from '../integrity/checkpoint.ts';
import type { StoredBatch } from '../store/batch-reads.ts';

export type { StoredBatch } from '../store/batch-reads.ts';

/** What one request to a sink came to: expected outcomes are data, not exceptions. */
export type SendOutcome =
  | { kind: 'ok'; rejectedItems: number; message?: string }
  | { kind: 'retryable'; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'rejected'; reason: string; status: number | null };

export interface Sink {
  readonly name: string;
  readonly type: 'otlp' | 'file' | 'prometheus-remote-write';
  /** Batches this sink carries; others only move its cursor (remote write takes no logs). */
  accepts(batch: StoredBatch): boolean;
  /** Sends batches of one signal, in id order, as one request. */
  send(batches: readonly StoredBatch[]): Promise<SendOutcome>;
  /**
   * Sends one signed checkpoint (integrity/checkpoint-record.ts). Absent on the file sink, which
   * writes checkpoints itself when they are made (integrity/checkpoint-export.ts).
   */
  sendCheckpoint?(checkpoint: ParsedCheckpoint): Promise<SendOutcome>;
  /**
   * Only the newest waiting checkpoint is worth sending (a gauge: older samples would only be
   * refused as out of bounds by a TSDB); the others move the cursor unsent.
   */
  readonly newestCheckpointOnly?: boolean;
  close(): Promise<void>;
}
