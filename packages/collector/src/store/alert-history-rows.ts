/**
 * An alert_history row as its readers select it (the console's node page, the evidence incidents
 * section): one column list and one mapping, so both read the same fields the same way.
 */
export const ALERT_HISTORY_COLUMNS = 'at_ms, name, fingerprint, labels_json, from_state, to_state, value';

export interface AlertTransition {
  atMs: number;
  name: string;
  fingerprint: string;
  /** The labels as stored (JSON text). */
  labelsJson: string;
  from: string;
  to: string;
  value: number;
}

export function alertTransitionOf(row: unknown): AlertTransition {
  const r = row as {
    at_ms: number;
    name: string;
    fingerprint: string;
    labels_json: string;
    from_state: string;
    to_state: string;
    value: number;
  };
  return {
    atMs: r.at_ms,
    name: r.name,
    fingerprint: r.fingerprint,
    labelsJson: r.labels_json,
    from: r.from_state,
    to: r.to_state,
    value: r.value,
  };
}
