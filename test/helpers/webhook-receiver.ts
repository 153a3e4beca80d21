import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
} from '../../packages/collector/src/alerts/notify-webhook.ts';

/**
 * A loopback HTTP server standing in for an on-call webhook: it records every POST, checks its
 * HMAC-SHA256 signature with the collector's own verifyWebhookSignature, and answers 200.
 */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookPost {
  atMs: number;
  signatureValid: boolean;
  body: { version: string; status: string; alerts: WebhookAlert[] };
}

export interface WebhookReceiver {
  url: string;
  posts: WebhookPost[];
  /** Every alert of every post, in arrival order, with the time of its post. */
  alerts(): Array<WebhookAlert & { atMs: number }>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const posts: WebhookPost[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      const header = (name: string) => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : null;
      };
      posts.push({
        atMs: Date.now(),
        signatureValid: verifyWebhookSignature(
          secret,
          { timestamp: header(WEBHOOK_HEADERS.timestamp), signature: header(WEBHOOK_HEADERS.signature) },
          text,
          Date.now(),
        ),
        body: JSON.parse(text) as WebhookPost['body'],
      });
      res.statusCode = 200;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    posts,
    alerts: () => posts.flatMap((post) => post.body.alerts.map((alert) => ({ ...alert, atMs: post.atMs }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
