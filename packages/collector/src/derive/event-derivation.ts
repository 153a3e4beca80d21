import { deriveAuthCounts } from './auth-counts.ts';
import { deriveFleetDrift } from './fleet-drift.ts';
import { deriveInferenceCounts } from './inference-counts.ts';
import type { DerivedRowWriter, DeriveFromEvent } from './types.ts';

/**
 * State derived from events, written by the batch writer inside the ingest transaction right
 * after each event row. Invariant: a derivation sees an event exactly once, when its batch is
 * first stored; a re-sent (stream, seq) is answered as a duplicate before any event is written,
 * and a rolled-back batch rolls its derived rows back with it. So derived counts never double
 * and survive a restart without any replay. The rules are plain functions of the event; `rows`
 * (store/derived-rows.ts) is where they land.
 */
export function createEventDerivation(rows: DerivedRowWriter): DeriveFromEvent {
  const rules = [deriveAuthCounts, deriveFleetDrift, deriveInferenceCounts];
  return function deriveFromEvent(stored) {
    for (const rule of rules) {
      rule(stored, rows);
    }
  };
}
