import { createHmac, timingSafeEqual } from 'node:crypto';
import { type NotifyTarget, type OutgoingAlert, postJson } from './notify-alertmanager.ts';

/**
 * A JSON webhook signed with HMAC-SHA256. The body is Alertmanager's webhook shape
 * (`version`, `status`, `alerts[]`); the headers carry the time of signing and the signature of
 * `<timestamp>.<body>`, so a receiver can refuse both forgeries and replays of old deliveries.
 */
export const WEBHOOK_HEADERS = {
  timestamp: 'x-perimeter-timestamp',
  signature: 'x-perimeter-signature',
} as const;

export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): true when the signature matches and the timestamp is recent. */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | null; signature: string | null },
  body: string,
  nowMs: number,
  toleranceMs = 5 * 60_000,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || headers.signature === null) {
    return false;
  }
  if (Math.abs(nowMs - timestamp * 1000) > toleranceMs) {
    return false;
  }
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const presented = Buffer.from(headers.signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

export function webhookBody(alerts: readonly OutgoingAlert[]): string {
  return JSON.stringify({
    version: '1',
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: alerts.map(({ fingerprint, status, labels, annotations, startsAt, endsAt, generatorURL }) => ({
      status,
      labels,
      annotations,
      startsAt,
      endsAt,
      generatorURL,
      fingerprint,
    })),
  });
}

export function createWebhookTarget(
  url: string,
  secret: string | undefined,
  timeoutMs: number,
  nowMs: () => number,
): NotifyTarget {
  return {
    notifier: 'webhook',
    target: url,
    send(alerts) {
      const body = webhookBody(alerts);
      const headers: Record<string, string> = {};
      if (secret !== undefined) {
        const timestamp = Math.floor(nowMs() / 1000);
        headers[WEBHOOK_HEADERS.timestamp] = String(timestamp);
        headers[WEBHOOK_HEADERS.signature] = signWebhook(secret, timestamp, body);
      }
      return postJson(url, body, headers, timeoutMs);
    },
  };
}
