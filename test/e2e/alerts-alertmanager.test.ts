import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertmanagerTarget } from '../../packages/collector/src/alerts/notify-alertmanager.ts';
import { type AgentProcess, startLoginsAgent, waitUntil } from '../helpers/agent-process.ts';
import {
  type AlertmanagerProcess,
  type AmtoolAlert,
  alertmanagerMissing,
  startAlertmanager,
} from '../helpers/alertmanager-process.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';
import { REPO_ROOT } from '../helpers/processes.ts';

/**
 * Issue 7's end-to-end acceptance on real processes: an agent tails an auth log and ships failed
 * logins; the collector (alerting on, 1s evaluation) counts them, evaluates AuthFailureSpike over
 * a short window and posts to a real Alertmanager (Debian prometheus-alertmanager) on loopback.
 * The alert shows in `amtool alert query` within for + interval; when the failures stop it
 * resolves there, and the collector's /api/v1/alerts keeps the history and the notification log.
 */
const missing = alertmanagerMissing();
if (missing !== null) {
  console.warn(`alerts-alertmanager.test.ts: ${missing}`);
}

const WINDOW_S = 10;
const FOR_S = 2;
const INTERVAL_S = 1;
const RULES = `group: e2e
rules:
  - name: AuthFailureSpike
    selector: { metric: perimeter_auth_failures_total }
    function: increase
    window: ${WINDOW_S}s
    aggregate: sum
    by: [node]
    op: ">"
    threshold: 3
    for: ${FOR_S}s
    labels: { severity: warning }
    annotations:
      summary: "Login failures on {{ $labels.node }}"
      description: "{{ $value }} failed logins on {{ $labels.node }} in ${WINDOW_S}s."
`;

interface AlertsApi {
  active: Array<{ name: string; state: string; labels: Record<string, string>; firedAt: string | null }>;
  history: Array<{ name: string; from: string; to: string; labels: Record<string, string> }>;
  notifications: Array<{ notifier: string; target: string; outcome: string; httpStatus: number | null }>;
}

describe.skipIf(missing !== null)(
  `AuthFailureSpike through a real Alertmanager${missing === null ? '' : ` (${missing})`}`,
  () => {
    const nodeId = 'am-node';
    let alertmanager: AlertmanagerProcess;
    let collector: CollectorProcess;
    let agent: AgentProcess;
    let dir: string;
    let authLog: string;
    let line = 0;
    const fail = (count: number) => {
      for (let i = 0; i < count; i++) {
        line++;
        appendFileSync(
          authLog,
          `Nov 23 09:00:${String(line % 60).padStart(2, '0')} web1 sshd[${1000 + line}]: Failed password for invalid user u${line} from 203.0.113.${line} port ${40000 + line} ssh2\n`,
        );
      }
    };
    const failures = async () => {
      const match = (await scrape(collector.url)).match(
        /^perimeter_auth_failures_total\{[^}]*node="am-node"[^}]*\} (\d+)$/m,
      );
      return match === null ? 0 : Number(match[1]);
    };
    const spikes = () => alertmanager.query('alertname=AuthFailureSpike', `node=${nodeId}`);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'perimeter-e2e-alerts-'));
      authLog = join(dir, 'auth.log');
      writeFileSync(authLog, '');
      const rulesFile = join(dir, 'rules.yaml');
      writeFileSync(rulesFile, RULES);
      alertmanager = await startAlertmanager();
      collector = await startCollectorProcess({
        config: JSON.stringify({
          alerting: {
            rules: [rulesFile],
            evaluationInterval: `${INTERVAL_S}s`,
            resendInterval: '5s',
            alertmanager: [alertmanager.url],
            externalUrl: 'http://perimeter.example.internal:4318',
            notifyTimeout: '2s',
          },
        }),
      });
      agent = startLoginsAgent({ collector, nodeId, authLog });
      await waitUntil(
        () => agent.output().includes('auth log followed'),
        () => `the agent follows the auth log; it said:\n${agent.output()}`,
        10_000,
      );
    });
    afterAll(async () => {
      await agent?.stop();
      await collector?.stop();
      await alertmanager?.stop();
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fires in Alertmanager within for + interval, resolves when the failures stop, and keeps the history', async () => {
      // One failure first: the counter series exists before the burst (a series born at N has no
      // increase, in Prometheus and here alike), and one failure is below the threshold.
      fail(1);
      await waitUntil(async () => (await failures()) === 1, 'the first failure was counted', 8_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // at least one evaluated sample of 1
      expect(spikes()).toEqual([]);

      fail(5);
      await waitUntil(async () => (await failures()) === 6, 'the burst was counted', 8_000);
      const countedAt = Date.now();
      await waitUntil(
        () => spikes().length > 0,
        () => `amtool shows AuthFailureSpike; collector said:\n${collector.output().slice(-2000)}`,
        (FOR_S + INTERVAL_S + 3) * 1000,
      );
      const firedAfterMs = Date.now() - countedAt;
      // The state machine needs `for` plus up to one interval (the registry is sampled per cycle).
      expect(firedAfterMs).toBeLessThanOrEqual((FOR_S + 2 * INTERVAL_S + 1) * 1000);
      const [alert] = spikes();
      expect(alert?.labels).toMatchObject({
        alertname: 'AuthFailureSpike',
        node: nodeId,
        severity: 'warning',
      });
      expect(alert?.annotations['summary']).toBe(`Login failures on ${nodeId}`);
      expect(alert?.annotations['description']).toMatch(/^\d+(\.\d+)? failed logins on am-node in 10s\.$/);
      expect(alert?.generatorURL).toBe(
        'http://perimeter.example.internal:4318/api/v1/alerts?alertname=AuthFailureSpike',
      );
      expect(alert?.status.state).toBe('active');
      // endsAt is the validity Prometheus would send (4 × max(interval, resend)), not "forever".
      expect(Date.parse(alert?.endsAt ?? '')).toBeGreaterThan(Date.now());

      // No more failures: the burst leaves the window and the alert resolves in Alertmanager.
      await waitUntil(
        () => spikes().length === 0,
        'amtool no longer lists AuthFailureSpike as active',
        (WINDOW_S + 2 * INTERVAL_S + 3) * 1000,
      );
      const resolvedAfterMs = Date.now() - countedAt;
      expect(resolvedAfterMs).toBeGreaterThan((WINDOW_S - 2) * 1000);

      const reader = collector.createToken('oncall-reader', 'reader');
      const response = await fetch(`${collector.url}/api/v1/alerts?alertname=AuthFailureSpike`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(response.status).toBe(200);
      const api = (await response.json()) as AlertsApi;
      expect(api.active).toHaveLength(1);
      expect(api.active[0]).toMatchObject({ name: 'AuthFailureSpike', state: 'resolved' });
      expect(api.active[0]?.firedAt).not.toBeNull();
      expect(
        api.history
          .filter((h) => h.labels['node'] === nodeId)
          .map((h) => `${h.from}->${h.to}`)
          .reverse(),
      ).toEqual(['new->pending', 'pending->firing', 'firing->resolved']);
      const sent = api.notifications.filter((n) => n.notifier === 'alertmanager');
      expect(sent.length).toBeGreaterThanOrEqual(2); // the firing post and the resolve
      expect(sent.every((n) => n.outcome === 'sent' && n.httpStatus === 200)).toBe(true);
      expect(sent[0]?.target).toBe(`${alertmanager.url}/api/v2/alerts`);
    }, 25_000);
  },
);

describe.skipIf(missing !== null)(
  `deploy/alertmanager/alertmanager.yml in a running Alertmanager${missing === null ? '' : ` (${missing})`}`,
  () => {
    // amtool has no offline inhibition check (test/deploy/alertmanager.test.ts checks the file);
    // here the shipped config runs, and the collector's Alertmanager notifier posts to it.
    let alertmanager: AlertmanagerProcess;
    beforeAll(async () => {
      alertmanager = await startAlertmanager({
        configFile: join(REPO_ROOT, 'deploy', 'alertmanager', 'alertmanager.yml'),
      });
    });
    afterAll(async () => {
      await alertmanager?.stop();
    });

    it("lets NodeDown inhibit the node's other alerts, not other nodes' or fleet-wide ones", async () => {
      const now = Date.now();
      const alert = (labels: Record<string, string>) => ({
        fingerprint: labels['alertname'] ?? '',
        status: 'firing' as const,
        labels,
        annotations: {},
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 60_000).toISOString(),
        generatorURL: 'http://127.0.0.1:4318/api/v1/alerts',
      });
      const result = await createAlertmanagerTarget(alertmanager.url, 2_000).send([
        alert({ alertname: 'NodeDown', node: 'mini-01', severity: 'critical' }),
        alert({ alertname: 'ThermalPressureHeavy', node: 'mini-01', severity: 'warning' }),
        alert({ alertname: 'ThermalPressureHeavy', node: 'mini-02', severity: 'warning' }),
        alert({ alertname: 'AuthFailureSpikeFleet', severity: 'critical' }),
      ]);
      expect(result.outcome).toBe('sent');
      const names = (list: AmtoolAlert[]) =>
        list.map((a) => `${a.labels['alertname']}@${a.labels['node'] ?? 'fleet'}`).sort();
      await waitUntil(() => alertmanager.queryWith(['--inhibited']).length > 0, 'an inhibited alert', 5_000);
      expect(names(alertmanager.queryWith(['--inhibited']))).toEqual(['ThermalPressureHeavy@mini-01']);
      expect(names(alertmanager.query())).toEqual([
        'AuthFailureSpikeFleet@fleet',
        'NodeDown@mini-01',
        'ThermalPressureHeavy@mini-02',
      ]);
    });
  },
);
