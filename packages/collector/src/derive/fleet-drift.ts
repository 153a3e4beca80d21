import { AttributeNames, EventNames } from '@perimeter/schema';
import { type DerivedRowWriter, SkipReasons, type StoredEvent } from './types.ts';

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

export function deriveFleetDrift({ id, nodeId, event }: StoredEvent, rows: DerivedRowWriter): void {
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
    rows.countSkipped(SkipReasons.driftEventUnusable);
    return;
  }
  rows.observeDriftIfNewer({
    nodeId,
    checkId,
    observed,
    expected: stringOr(event.attributes[AttributeNames.driftExpected], ''),
    controls: stringOr(event.attributes[AttributeNames.checkControls], ''),
    tsMs: event.timeMs,
    eventId: id,
  });
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
