import type { AuthMethod } from '@perimeter/schema';
import type { DecodedEvent } from '../otlp/types.ts';

/**
 * The seam between the store's write path and the derivation rules (see event-derivation.ts). The
 * rules decide what an event means; the store owns the rows. So derive/ never touches SQLite: the
 * store hands each rule a `DerivedRowWriter` (store/derived-rows.ts) bound to the ingest transaction.
 */
export interface StoredEvent {
  /** `events.id`: arrival order across batches and within one. */
  id: number;
  nodeId: string;
  event: DecodedEvent;
}

export type DeriveFromEvent = (stored: StoredEvent) => void;

export type TokenDirection = 'input' | 'output';
export type ModelEventKind = 'integrity_failure' | 'added' | 'removed' | 'replaced';

/** A `config.drift` observation as a rule hands it to the store (kept only if newer, see fleet-drift.ts). */
export interface DriftUpdate {
  nodeId: string;
  checkId: string;
  observed: string;
  expected: string;
  controls: string;
  tsMs: number;
  eventId: number;
}

/** Everything a derivation rule may write; each call folds one event into a durable count or row. */
export interface DerivedRowWriter {
  countSkipped(reason: SkipReason): void;
  countLogin(nodeId: string, outcome: 'success' | 'failure', method: AuthMethod): void;
  /** Kept only when newer than the stored observation: later event time, then later arrival. */
  observeDriftIfNewer(update: DriftUpdate): void;
  countRequest(nodeId: string, code: string): void;
  addTokens(nodeId: string, direction: TokenDirection, tokens: number): void;
  countModelEvent(nodeId: string, kind: ModelEventKind): void;
}

/** Why a derivation left an event out; a small fixed set, so it can be a label. */
export const SkipReasons = {
  authOutcomeUnknown: 'auth_outcome_unknown',
  driftEventUnusable: 'drift_event_unusable',
  inferenceStatusUnusable: 'inference_status_unusable',
  modelChangeUnknown: 'model_change_unknown',
} as const;
export type SkipReason = (typeof SkipReasons)[keyof typeof SkipReasons];
