import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCollector } from '../test-support/test-collector.ts';
import { createDispatcher } from './dispatcher.ts';
import { createAlertmanagerTarget, type OutgoingAlert } from './notify-alertmanager.ts';

/**
 * Shutdown against an Alertmanager that keeps answering 503 (real HTTP on loopback): close()
 * stops retrying, logs what was not sent as failed with the reason, and returns within its grace
 * instead of backing off for the rest of its attempts.
 */
let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

const alert: OutgoingAlert = {
  labels: { alertname: 'Hot', node: 'n1' },
  annotations: {},
  startsAt: new Date(0).toISOString(),
  endsAt: new Date(60_000).toISOString(),
  generatorURL: 'http://collector/api/v1/alerts?alertname=Hot',
  fingerprint: 'f1',
  status: 'firing',
} as unknown as OutgoingAlert;

describe('dispatcher shutdown', () => {
  it('gives up retries and queued batches at close(), within the grace, and logs them as failed', async () => {
    let posts = 0;
    server = createServer((req, res) => {
      posts += 1;
      req.resume();
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const collector = createTestCollector();
    const store = collector.store.alerts;
    const dispatcher = createDispatcher({
      targets: [createAlertmanagerTarget(url, 2_000)],
      store,
      nowMs: Date.now,
      initialBackoffMs: 10_000,
    });
    dispatcher.dispatch([alert]);
    dispatcher.dispatch([alert]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await dispatcher.close(3_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    await dispatcher.idle();
    expect(posts).toBe(1);
    const outcomes = store.notifications(10).map((n) => [n.outcome, n.error]);
    expect(outcomes).toContainEqual(['retry', expect.any(String)]);
    expect(outcomes).toContainEqual(['failed', 'collector stopping: sent again after restart']);
    collector.close();
  });
});
