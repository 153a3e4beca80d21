import type { SqliteDatabase } from '../store/db.ts';
import { createAuthCountDerivation } from './auth-counts.ts';
import { createFleetDriftDerivation } from './fleet-drift.ts';
import { createInferenceCountDerivation } from './inference-counts.ts';
import type { DeriveFromEvent, SkipReason } from './types.ts';

/**
 * State derived from events, written by the batch writer inside the ingest transaction right
 * after each event row. Invariant: a derivation sees an event exactly once, when its batch is
 * first stored; a re-sent (stream, seq) is answered as a duplicate before any event is written,
 * and a rolled-back batch rolls its derived rows back with it. So derived counts never double
 * and survive a restart without any replay.
 */
export function createEventDerivation(db: SqliteDatabase): DeriveFromEvent {
  const countSkipped = db.prepare(
    `INSERT INTO derive_skipped_counts (reason, count) VALUES (?, 1)
     ON CONFLICT(reason) DO UPDATE SET count = count + 1`,
  );
  const recordSkipped = (reason: SkipReason) => {
    countSkipped.run(reason);
  };
  const derivations = [
    createAuthCountDerivation(db, recordSkipped),
    createFleetDriftDerivation(db, recordSkipped),
    createInferenceCountDerivation(db, recordSkipped),
  ];
  return function deriveFromEvent(stored) {
    for (const derive of derivations) {
      derive(stored);
    }
  };
}

export function readSkippedCounts(db: SqliteDatabase): Array<{ reason: string; count: number }> {
  return db.prepare('SELECT reason, count FROM derive_skipped_counts ORDER BY reason').all() as Array<{
    reason: string;
    count: number;
  }>;
}
