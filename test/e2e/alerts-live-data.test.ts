import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * The live data path inside a real `serve` process with alerting on: node series read from the
 * stored sample blocks (perimeter_thermal_pressure from agent-shaped OTLP metrics posts) and the
 * collector's own registry series (perimeter_node_last_seen_timestamp_seconds for NodeDown), with
 * a signed webhook as the notifier. Alert state survives a kill -9: no second firing post for the
 * same alert within the resend interval, and the resolve after the restart is still sent once.
 */
const SECRET = 'e2e-webhook-secret-0123456789';
const NODE_DOWN_S = 5;
const RULES = `group: e2e
rules:
  - name: ThermalPressureHeavy
    selector: { metric: perimeter_thermal_pressure }
    function: min
    window: 10s
    op: ">="
    threshold: 2
    for: 1s
    labels: { severity: warning }
    annotations:
      summary: "Heavy thermal pressure on {{ $labels.node }}"
  - name: NodeDown
    selector: { metric: perimeter_node_last_seen_timestamp_seconds }
    function: age
    op: ">"
    threshold: ${NODE_DOWN_S}
    for: 1s
    labels: { severity: critical }
    annotations:
      summary: "{{ $labels.node }} is not reporting"
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** An agent-shaped metrics batch: one thermal-pressure point and a temperature, stamped now. */
function metricsBody(nodeId: string, pressure: number, timeMs: number): string {
  const timeUnixNano = `${BigInt(timeMs) * 1_000_000n}`;
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [kv('perimeter.node.id', nodeId), kv('host.name', nodeId)] },
        scopeMetrics: [
          {
            scope: { name: 'perimeter-agent' },
            metrics: [
              {
                name: 'perimeter.thermal.pressure',
                unit: '{level}',
                gauge: { dataPoints: [{ timeUnixNano, asInt: String(pressure) }] },
              },
              {
                name: 'hw.temperature',
                unit: 'Cel',
                gauge: {
                  dataPoints: [{ timeUnixNano, asDouble: 60 + pressure, attributes: [kv('hw.id', 'cpu0')] }],
                },
              },
            ],
          },
        ],
      },
    ],
  });
}

/** Posts a batch every 250 ms per node while `pressure` has an entry for it; tolerates a dead collector. */
function startFeeder(url: string, tokens: Record<string, string>) {
  const pressure = new Map<string, number>();
  const seq = new Map<string, number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(
        [...pressure].map(async ([nodeId, level]) => {
          const next = (seq.get(nodeId) ?? 0) + 1;
          try {
            const response = await fetch(`${url}/v1/metrics`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${tokens[nodeId]}`,
                'x-perimeter-stream': `stream-${nodeId}`,
                'x-perimeter-seq': String(next),
              },
              body: metricsBody(nodeId, level, Date.now()),
              signal: AbortSignal.timeout(1_000),
            });
            await response.text();
            if (response.ok) {
              seq.set(nodeId, next);
            }
          } catch {
            // the collector is down (kill -9 below); an agent would spool and retry
          }
        }),
      );
      await sleep(250);
    }
  })();
  return {
    pressure,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

describe('alerting inside a running collector (live data, webhook, kill -9)', () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let collector: CollectorProcess;
  let feeder: ReturnType<typeof startFeeder>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-e2e-alerts-live-'));
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES);
    receiver = await startWebhookReceiver(SECRET);
    collector = await startCollectorProcess({
      config: JSON.stringify({
        alerting: {
          rules: [rulesFile],
          evaluationInterval: '1s',
          // Long enough that any second firing post inside this test would be a duplicate page.
          resendInterval: '10m',
          webhooks: [{ url: receiver.url, secret: SECRET }],
          notifyTimeout: '2s',
        },
      }),
    });
    feeder = startFeeder(collector.url, {
      'hot-node': collector.createToken('hot-node'),
      'calm-node': collector.createToken('calm-node'),
    });
  });
  afterAll(async () => {
    await feeder?.stop();
    await collector?.stop();
    await receiver?.close();
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const posted = (name: string, node: string, status: 'firing' | 'resolved') =>
    receiver
      .alerts()
      .filter((a) => a.labels['alertname'] === name && a.labels['node'] === node && a.status === status);

  it('pages from stored node series and the registry, once, across a kill -9', async () => {
    feeder.pressure.set('hot-node', 2);
    feeder.pressure.set('calm-node', 0);

    // 1. Node series from the sample blocks: hot-node's pressure 2 fires; calm-node's 0 does not.
    await waitUntil(
      () => posted('ThermalPressureHeavy', 'hot-node', 'firing').length > 0,
      () => `a firing ThermalPressureHeavy post; collector said:\n${collector.output().slice(-2000)}`,
      8_000,
    );
    const [firing] = posted('ThermalPressureHeavy', 'hot-node', 'firing');
    expect(firing?.labels).toEqual({
      alertname: 'ThermalPressureHeavy',
      node: 'hot-node',
      severity: 'warning',
    });
    expect(firing?.annotations['summary']).toBe('Heavy thermal pressure on hot-node');
    expect(Date.parse(firing?.endsAt ?? '')).toBeGreaterThan(Date.now());

    // 2. kill -9 while it fires, restart on the same store and port: the state is read back, so
    //    there is no second firing post (resend is 10m), and the pending → firing timer is not rerun.
    //    The webhook's answer is logged right after it arrives: wait for that row first, so the
    //    kill does not land between the receiver's 200 and the log write (a delivery the log cannot
    //    show is the at-least-once window the notifier accepts; it is not what this test is about).
    await waitUntil(
      () =>
        collector.query<{ n: number }>('SELECT count(*) AS n FROM alert_notifications')[0]?.n ===
        receiver.posts.length,
      'the firing post in the notification log',
      5_000,
    );
    await collector.kill9();
    await collector.restart();
    await sleep(3_000);
    expect(posted('ThermalPressureHeavy', 'hot-node', 'firing')).toHaveLength(1);
    expect(receiver.alerts().filter((a) => a.labels['node'] === 'calm-node')).toEqual([]);

    // 3. The condition clears after the restart: the resolve is sent, once, with the same identity.
    feeder.pressure.set('hot-node', 0);
    await waitUntil(
      () => posted('ThermalPressureHeavy', 'hot-node', 'resolved').length > 0,
      'a resolved ThermalPressureHeavy post',
      5_000,
    );
    const [resolved] = posted('ThermalPressureHeavy', 'hot-node', 'resolved');
    expect(resolved?.fingerprint).toBe(firing?.fingerprint);
    expect(resolved?.startsAt).toBe(firing?.startsAt);
    expect(Date.parse(resolved?.endsAt ?? '')).toBeLessThanOrEqual(Date.now());

    // 4. The collector's own registry series: hot-node goes quiet, NodeDown fires for it alone.
    feeder.pressure.delete('hot-node');
    const quietAt = Date.now();
    await waitUntil(
      () => posted('NodeDown', 'hot-node', 'firing').length > 0,
      'a firing NodeDown post for hot-node',
      (NODE_DOWN_S + 5) * 1000,
    );
    expect(Date.now() - quietAt).toBeGreaterThanOrEqual((NODE_DOWN_S - 1) * 1000);
    expect(posted('NodeDown', 'calm-node', 'firing')).toEqual([]);

    await sleep(1_200);
    expect(posted('ThermalPressureHeavy', 'hot-node', 'firing')).toHaveLength(1);
    expect(posted('ThermalPressureHeavy', 'hot-node', 'resolved')).toHaveLength(1);
    expect(receiver.posts.length).toBeGreaterThanOrEqual(3);
    expect(receiver.posts.every((post) => post.signatureValid)).toBe(true);

    // The notification log in the store has every delivery, all to the webhook, all 200.
    const log = collector.query<{ notifier: string; outcome: string; http_status: number }>(
      'SELECT notifier, outcome, http_status FROM alert_notifications ORDER BY id',
    );
    expect(log.length).toBe(receiver.posts.length);
    expect(
      log.every((row) => row.notifier === 'webhook' && row.outcome === 'sent' && row.http_status === 200),
    ).toBe(true);
  }, 25_000);
});
