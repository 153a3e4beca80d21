import { AttributeNames, EventNames } from '@perimeter/schema';
import type { SqliteDatabase } from '../store/db.ts';
import { type DeriveFromEvent, type SkipReason, SkipReasons } from './types.ts';

/**
 * The newest `config.drift` observation of every (node, check), kept at ingest so the fleet view
 * never rescans events. The agent reports a check only when its result changes, so this row is the
 * node's current state until the next event. A late event (a spool drained after an outage) is
 * older than what is stored and must not win: newer means later event time, then later arrival
 * (events.id). `observed_since_ms` keeps the time the node first reported its current value.
 */
export interface DriftObservation {
  nodeId: string;
  checkId: string;
  observed: string;
  expected: string;
  controls: string;
  observedSinceMs: number;
}

// The same bounds as the backfill in migration step 2: check ids become Prometheus label values.
const MAX_CHECK_ID_CHARS = 200;
const MAX_OBSERVED_CHARS = 1024;

export function createFleetDriftDerivation(
  db: SqliteDatabase,
  recordSkipped: (reason: SkipReason) => void,
): DeriveFromEvent {
  // In an UPDATE every right-hand side reads the row as it was, so the CASE sees the old value.
  const upsertIfNewer = db.prepare(
    `INSERT INTO drift_latest
       (node_id, check_id, observed, expected, controls, observed_since_ms, event_ts_ms, event_id)
     VALUES (@nodeId, @checkId, @observed, @expected, @controls, @tsMs, @tsMs, @eventId)
     ON CONFLICT(node_id, check_id) DO UPDATE SET
       observed_since_ms = CASE WHEN drift_latest.observed = excluded.observed
         THEN drift_latest.observed_since_ms ELSE excluded.observed_since_ms END,
       observed = excluded.observed, expected = excluded.expected, controls = excluded.controls,
       event_ts_ms = excluded.event_ts_ms, event_id = excluded.event_id
     WHERE excluded.event_ts_ms > drift_latest.event_ts_ms
        OR (excluded.event_ts_ms = drift_latest.event_ts_ms AND excluded.event_id > drift_latest.event_id)`,
  );
  return function deriveFleetDrift({ id, nodeId, event }) {
    if (event.eventName !== EventNames.configDrift) {
      return;
    }
    const checkId = event.attributes[AttributeNames.checkId];
    const observed = event.attributes[AttributeNames.driftObserved];
    if (
      typeof checkId !== 'string' ||
      checkId.length < 1 ||
      checkId.length > MAX_CHECK_ID_CHARS ||
      typeof observed !== 'string' ||
      observed.length > MAX_OBSERVED_CHARS
    ) {
      recordSkipped(SkipReasons.driftEventUnusable);
      return;
    }
    upsertIfNewer.run({
      nodeId,
      checkId,
      observed,
      expected: stringOr(event.attributes[AttributeNames.driftExpected], ''),
      controls: stringOr(event.attributes[AttributeNames.checkControls], ''),
      tsMs: event.timeMs,
      eventId: id,
    });
  };
}

export function readDriftObservations(db: SqliteDatabase, checkId?: string): DriftObservation[] {
  const rows = (
    checkId === undefined
      ? db.prepare('SELECT * FROM drift_latest ORDER BY check_id, node_id').all()
      : db.prepare('SELECT * FROM drift_latest WHERE check_id = ? ORDER BY node_id').all(checkId)
  ) as Array<Record<string, string | number>>;
  return rows.map((row) => ({
    nodeId: row['node_id'] as string,
    checkId: row['check_id'] as string,
    observed: row['observed'] as string,
    expected: row['expected'] as string,
    controls: row['controls'] as string,
    observedSinceMs: row['observed_since_ms'] as number,
  }));
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
