import type { AlertInstance, NotificationRecord } from '../store/alert-rows.ts';

/**
 * The alert rows the store tests write (store.alerts, verify, prune): one owner for what a new
 * alert instance and a delivered webhook notification hold, so each test says only what differs.
 */

type AlertIdentity = Pick<
  AlertInstance,
  'ruleKey' | 'name' | 'fingerprint' | 'labels' | 'annotations' | 'value' | 'activeAtMs'
>;

/** An alert as the rule engine first records it (pending, never fired or sent), `alert` over it. */
export function alertInstance(alert: AlertIdentity & Partial<AlertInstance>): AlertInstance {
  return {
    ruleKey: alert.ruleKey,
    name: alert.name,
    fingerprint: alert.fingerprint,
    labels: alert.labels,
    annotations: alert.annotations,
    value: alert.value,
    state: alert.state ?? 'pending',
    activeAtMs: alert.activeAtMs,
    firedAtMs: alert.firedAtMs ?? null,
    resolvedAtMs: alert.resolvedAtMs ?? null,
    keepFiringSinceMs: alert.keepFiringSinceMs ?? null,
    lastSentAtMs: alert.lastSentAtMs ?? null,
  };
}

/** The alert the integrity tests (verify, prune) record: HighTemperature on node-a. */
export function highTemperatureOnNodeA(
  alert: Pick<AlertInstance, 'value' | 'activeAtMs'> & Partial<AlertInstance>,
): AlertInstance {
  return alertInstance({
    ruleKey: 'HighTemperature',
    name: 'HighTemperature',
    fingerprint: 'f-node-a',
    labels: { node: 'node-a' },
    annotations: {},
    ...alert,
  });
}

/** A webhook notification delivered on its first attempt (200) carrying `fingerprints`. */
export function webhookSent(atMs: number, fingerprints: string[]): NotificationRecord {
  return {
    atMs,
    notifier: 'webhook',
    target: 'http://127.0.0.1:9/hook',
    attempt: 1,
    outcome: 'sent',
    httpStatus: 200,
    error: null,
    fingerprints,
  };
}
