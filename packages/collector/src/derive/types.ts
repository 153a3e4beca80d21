import type { DecodedEvent } from '../otlp/types.ts';

/** The seam between the batch writer and the derivations (see event-derivation.ts). */
export interface StoredEvent {
  /** `events.id`: arrival order across batches and within one. */
  id: number;
  nodeId: string;
  event: DecodedEvent;
}

export type DeriveFromEvent = (stored: StoredEvent) => void;

/** Why a derivation left an event out; a small fixed set, so it can be a label. */
export const SkipReasons = {
  authOutcomeUnknown: 'auth_outcome_unknown',
  driftEventUnusable: 'drift_event_unusable',
  inferenceStatusUnusable: 'inference_status_unusable',
  modelChangeUnknown: 'model_change_unknown',
} as const;
export type SkipReason = (typeof SkipReasons)[keyof typeof SkipReasons];
