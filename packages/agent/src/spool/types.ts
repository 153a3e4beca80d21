/**
 * The spool's public shapes. Kept apart from spool.ts so the shipper and the exporters depend on
 * the contract, not on SQLite.
 */
import type { Clock } from '../host/clock.ts';

export type SpoolSignal = 'metrics' | 'logs';

export interface SpoolCursor {
  name: string;
  value: string;
}

export interface SpooledBatch {
  seq: number;
  signal: SpoolSignal;
  createdAtMs: number;
  body: Uint8Array;
  bytes: number;
}

export interface DeadLetter extends SpooledBatch {
  deadAtMs: number;
  status: number;
  reason: string;
}

export interface OverflowReport {
  droppedBatches: number;
  droppedBytes: number;
  /** Seq range of the dropped batches (undefined when only dead letters were dropped). */
  firstSeq?: number;
  lastSeq?: number;
  droppedDeadLetters: number;
}

export interface SpoolStats {
  batches: number;
  bytes: number;
  deadLetters: number;
  deadLetterBytes: number;
  /** Totals over the life of this spool file (persisted). */
  droppedBatches: number;
  droppedBytes: number;
  droppedDeadLetters: number;
  oldestAgeMs: number | null;
}

export interface OpenSpoolOptions {
  path: string;
  /** Cap on the bytes of stored bodies (batches plus dead letters). */
  maxBytes: number;
  clock: Clock;
  onOverflow?: (report: OverflowReport) => void;
  /** How long to wait for a lock at open before failing (default 2000 ms). */
  busyTimeoutMs?: number;
}

export interface Spool {
  readonly path: string;
  /** Sent as X-Perimeter-Stream; created once per spool file. */
  readonly streamId: string;
  /** Commits the batch, and with it the given cursors plus any staged ones (logs only). */
  append(signal: SpoolSignal, body: Uint8Array, cursors?: readonly SpoolCursor[]): number;
  /** The batch the shipper is sending now: the byte cap drops others before it (null: none). */
  markInFlight(seq: number | null): void;
  /** The committed value of a cursor, or null if it was never written. */
  readCursor(name: string): string | null;
  /**
   * A cursor to commit with the next logs batch: for state whose change is announced by events
   * (drift results), so the state and the announcement land together or not at all.
   */
  stageCursor(name: string, value: string): void;
  /** Writes a cursor on its own, for a position that moved past lines holding no event. */
  writeCursor(name: string, value: string): void;
  peekOldest(limit: number): SpooledBatch[];
  /**
   * Deletes an acknowledged batch, without an fsync of its own: after power loss it may come back
   * and be sent again (the collector dedups by (stream, seq)); the next append syncs it anyway.
   */
  remove(seq: number): boolean;
  deadLetter(seq: number, status: number, reason: string): boolean;
  listDeadLetters(limit: number): DeadLetter[];
  stats(): SpoolStats;
  /** Called after each committed append; returns an unsubscribe function. */
  subscribe(listener: (seq: number) => void): () => void;
  /** Gives free pages back and truncates the WAL; cheap when there is nothing to do. */
  maintain(): void;
  close(): void;
}
