import type { AlertInstance } from './state.ts';

/**
 * Alertmanager API v2 (`POST /api/v2/alerts`, a JSON array). The labels are the identity
 * Alertmanager deduplicates on; `startsAt` is when the alert fired; `endsAt` is the resolve time
 * once resolved, else `validUntil` = t + 4 × max(interval, resend), as Prometheus sends it, so
 * Alertmanager resolves it by itself if the collector goes quiet.
 */
export interface OutgoingAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export type SendOutcome =
  | { outcome: 'sent'; httpStatus: number }
  | { outcome: 'retryable'; httpStatus: number | null; error: string }
  | { outcome: 'rejected'; httpStatus: number; error: string };

export interface NotifyTarget {
  notifier: 'alertmanager' | 'webhook';
  /** The URL, for the notification log (never a secret). */
  target: string;
  send(alerts: readonly OutgoingAlert[]): Promise<SendOutcome>;
}

export function toOutgoingAlert(
  alert: AlertInstance,
  tMs: number,
  validForMs: number,
  externalUrl: string,
): OutgoingAlert {
  const resolved = alert.state === 'inactive' && alert.resolvedAtMs !== null;
  return {
    fingerprint: alert.fingerprint,
    status: resolved ? 'resolved' : 'firing',
    labels: { ...alert.labels },
    annotations: { ...alert.annotations },
    startsAt: new Date(alert.firedAtMs ?? alert.activeAtMs).toISOString(),
    endsAt: new Date(resolved ? (alert.resolvedAtMs as number) : tMs + validForMs).toISOString(),
    generatorURL: `${externalUrl.replace(/\/$/, '')}/api/v1/alerts?alertname=${encodeURIComponent(alert.name)}`,
  };
}

export function classifyStatus(status: number, body: string): SendOutcome {
  if (status >= 200 && status < 300) {
    return { outcome: 'sent', httpStatus: status };
  }
  const error = `HTTP ${status}: ${body.slice(0, 200)}`;
  return status === 429 || status >= 500
    ? { outcome: 'retryable', httpStatus: status, error }
    : { outcome: 'rejected', httpStatus: status, error };
}

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<SendOutcome> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return classifyStatus(response.status, await response.text());
  } catch (error) {
    return { outcome: 'retryable', httpStatus: null, error: (error as Error).message };
  }
}

export function createAlertmanagerTarget(baseUrl: string, timeoutMs: number): NotifyTarget {
  const url = `${baseUrl.replace(/\/$/, '')}/api/v2/alerts`;
  return {
    notifier: 'alertmanager',
    target: url,
    send(alerts) {
      const body = JSON.stringify(
        alerts.map(({ labels, annotations, startsAt, endsAt, generatorURL }) => ({
          labels,
          annotations,
          startsAt,
          endsAt,
          generatorURL,
        })),
      );
      return postJson(url, body, {}, timeoutMs);
    },
  };
}
