import { createHash } from 'node:crypto';
import type { AlertInstance, Transition } from '../store/alert-rows.ts';
import type { VectorElement } from './evaluate.ts';
import { type Rule, ruleKey } from './rule-model.ts';
import type { Labels } from './series-source.ts';
import { renderTemplate } from './template.ts';

/**
 * Alert states as Prometheus keeps them (rules/alerting.go, 2.42): a new element is `pending`; it
 * is `firing` once `t − activeAt ≥ for`; a pending alert that clears is forgotten and never sent;
 * a firing one that clears stays firing for `keep_firing_for`, then becomes `inactive` (resolved)
 * and is kept for RESOLVED_RETENTION_MS so its resolution is re-sent. Pure: the caller persists.
 */
export type { AlertInstance, AlertState, Transition } from '../store/alert-rows.ts';

export const RESOLVED_RETENTION_MS = 15 * 60_000;

export function alertLabels(rule: Rule, element: VectorElement): Labels {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(element.labels)) {
    if (name !== '__name__' && value !== '') {
      labels[name] = value;
    }
  }
  Object.assign(labels, rule.labels);
  labels['alertname'] = rule.name;
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function fingerprintOf(labels: Labels): string {
  return createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16);
}

/** Advances one rule's alerts to time `tMs` given the rule's result vector; returns what changed. */
export function stepRule(
  rule: Rule,
  active: Map<string, AlertInstance>,
  result: readonly VectorElement[],
  tMs: number,
): Transition[] {
  const transitions: Transition[] = [];
  const seen = new Set<string>();
  const key = ruleKey(rule);
  for (const element of result) {
    const labels = alertLabels(rule, element);
    const fingerprint = fingerprintOf(labels);
    seen.add(fingerprint);
    const annotations: Record<string, string> = {};
    for (const [name, text] of Object.entries(rule.annotations)) {
      annotations[name] = renderTemplate(text, element.labels, element.value);
    }
    const existing = active.get(fingerprint);
    if (existing && existing.state !== 'inactive') {
      existing.value = element.value;
      existing.annotations = annotations;
      continue;
    }
    const alert: AlertInstance = {
      ruleKey: key,
      name: rule.name,
      fingerprint,
      labels,
      annotations,
      value: element.value,
      state: 'pending',
      activeAtMs: tMs,
      firedAtMs: null,
      resolvedAtMs: null,
      keepFiringSinceMs: null,
      lastSentAtMs: null,
    };
    active.set(fingerprint, alert);
    transitions.push({ alert, from: 'new', to: 'pending', atMs: tMs });
  }

  for (const [fingerprint, alert] of active) {
    if (!seen.has(fingerprint)) {
      let keepFiring = false;
      if (alert.state === 'firing' && rule.keep_firing_for > 0) {
        alert.keepFiringSinceMs ??= tMs;
        keepFiring = tMs - alert.keepFiringSinceMs < rule.keep_firing_for;
      }
      if (
        alert.state === 'pending' ||
        (alert.resolvedAtMs !== null &&
          alert.state === 'inactive' &&
          tMs - alert.resolvedAtMs > RESOLVED_RETENTION_MS)
      ) {
        active.delete(fingerprint);
        if (alert.state === 'pending' || alert.state === 'inactive') {
          transitions.push({ alert, from: alert.state, to: 'forgotten', atMs: tMs });
        }
      }
      if (alert.state !== 'inactive' && !keepFiring) {
        const from = alert.state;
        alert.state = 'inactive';
        alert.resolvedAtMs = tMs;
        if (from === 'firing') {
          transitions.push({ alert, from, to: 'inactive', atMs: tMs });
        }
      }
      if (!keepFiring) {
        continue;
      }
    } else {
      alert.keepFiringSinceMs = null;
    }
    if (alert.state === 'pending' && tMs - alert.activeAtMs >= rule.for) {
      alert.state = 'firing';
      alert.firedAtMs = tMs;
      transitions.push({ alert, from: 'pending', to: 'firing', atMs: tMs });
    }
  }
  return transitions;
}

/** Prometheus `needsSending`: never while pending; at once after a resolve; else every resendMs. */
export function needsSending(alert: AlertInstance, tMs: number, resendMs: number): boolean {
  if (alert.state === 'pending') {
    return false;
  }
  if (
    alert.resolvedAtMs !== null &&
    alert.state === 'inactive' &&
    (alert.lastSentAtMs === null || alert.resolvedAtMs > alert.lastSentAtMs)
  ) {
    // A resolve of an alert never sent as firing (it went straight from pending) is never sent.
    return alert.firedAtMs !== null;
  }
  return alert.lastSentAtMs === null || alert.lastSentAtMs + resendMs < tMs;
}
