import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_JOB, Prom } from '../../dashboards/src/index.ts';
import { sharedFixturesAvailable } from '../../packages/agent/src/test-support/fixtures.ts';
import {
  issueTokens,
  jsonEvents,
  postLogs,
} from '../../packages/collector/src/test-support/loopback-collector.ts';
import { waitUntil } from '../helpers/agent-process.ts';
import {
  type AlertmanagerProcess,
  alertmanagerMissing,
  startAlertmanager,
} from '../helpers/alertmanager-process.ts';
import { type FleetRun, startFleet } from '../helpers/chaos.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';
import { type DashboardFeed, prepareDashboardFeed } from '../helpers/dashboard-feed.ts';
import { allPanelQueries, proveQueries } from '../helpers/dashboard-queries.ts';
import { freePort, REPO_ROOT } from '../helpers/processes.ts';
import { resultSize } from '../helpers/prometheus-process.ts';
import {
  rulesForVmalert,
  startVictoriaMetrics,
  startVmalert,
  type VictoriaMetricsProcess,
  type VmStyleServer,
  victoriaMetricsMissing,
} from '../helpers/victoria-metrics-process.ts';

/**
 * The scale-out story of ARCHITECTURE.md ("Scale beyond one machine") on real processes, as
 * deploy/scale-out/README.md describes it: two collectors, each with its own nodes (100 simulated
 * agents over OTLP/HTTP on the agent's real spool and shipper, plus the dashboard feed's GPU node,
 * host and Mac stand-in), both remote-write every node sample to ONE VictoriaMetrics (Debian
 * `victoria-metrics`), which also scrapes each collector's own series (`/metrics?nodes=false`, so
 * node series are not stored twice). vmalert evaluates deploy/prometheus/perimeter.rules.yml there
 * and notifies a real Alertmanager. Rule ownership: the shared ruler owns every rule of the pack
 * (only it sees the whole fleet); the collectors still evaluate (their console and alert history)
 * but have no notifiers, so no alert is sent twice.
 */
const missing = victoriaMetricsMissing() ?? alertmanagerMissing();
const ready = missing === null && sharedFixturesAvailable;
if (!ready) {
  console.warn(`scale-out-victoriametrics.test.ts: ${missing ?? 'skipped: no ../shared/fixtures'}`);
}

const FLEET_PER_COLLECTOR = 100;
const SHARDS = ['a', 'b'] as const;
type Shard = (typeof SHARDS)[number];
const feedNodes = (shard: Shard) => ({ gpu: `gpu-${shard}`, host: `host-${shard}`, mac: `mac-${shard}` });
const fleetNodes = (shard: Shard) =>
  Array.from({ length: FLEET_PER_COLLECTOR }, (_, i) => `fleet-${shard}-${String(i + 1).padStart(3, '0')}`);
/** The node of each shard whose failed logins spike. */
const spiked = (shard: Shard) => `fleet-${shard}-007`;
const SPIKE = 12; // AuthFailureSpike: more than 10 in 5m
const VMALERT_URL = 'http://vmalert.example.internal:8880';

interface ShardRun {
  feed: DashboardFeed;
  collector: CollectorProcess;
  fleet: FleetRun;
  tokens: Record<string, string>;
}

describe.skipIf(!ready)('two collectors, one VictoriaMetrics, vmalert and a real Alertmanager', () => {
  let dir: string;
  let vm: VictoriaMetricsProcess;
  let vmalert: VmStyleServer;
  let alertmanager: AlertmanagerProcess;
  const shards = new Map<Shard, ShardRun>();
  const queries = allPanelQueries();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-scale-out-'));
    const ports = { a: await freePort(), b: await freePort() };
    alertmanager = await startAlertmanager();
    vm = await startVictoriaMetrics({
      scrapeConfigs: [
        {
          job_name: COLLECTOR_JOB,
          // 2 s: a collector answering 100 nodes on a loaded 2-core CI box may take over 1 s.
          scrape_interval: '2s',
          scrape_timeout: '2s',
          honor_labels: true,
          params: { nodes: ['false'] },
          static_configs: [{ targets: SHARDS.map((shard) => `127.0.0.1:${ports[shard]}`) }],
        },
      ],
    });
    for (const shard of SHARDS) {
      const feed = await prepareDashboardFeed(join(dir, `feed-${shard}`), feedNodes(shard));
      const dataDir = join(dir, `collector-${shard}`);
      mkdirSync(dataDir);
      const nodeIds = [...Object.values(feedNodes(shard)), ...fleetNodes(shard)];
      const issued = issueTokens(
        dataDir,
        nodeIds.map((nodeId) => ({ nodeId, role: 'node' as const })),
      );
      const tokens = Object.fromEntries(
        nodeIds.map((nodeId) => [nodeId, issued[`${nodeId}/node`] as string]),
      );
      const collector = await startCollectorProcess({
        dataDir,
        port: ports[shard],
        logLevel: 'warn',
        config: JSON.stringify({
          // Evaluated here for the console and history; notified by the shared ruler only.
          alerting: { evaluationInterval: '1s' },
          forward: [
            ...feed.forward,
            {
              type: 'prometheus-remote-write',
              name: 'victoria-metrics',
              endpoint: `${vm.url}/api/v1/write`,
              retry: { initialInterval: '200ms', maxInterval: '1s' },
            },
          ],
        }),
      });
      await feed.start(collector.url, (nodeId) => tokens[nodeId] as string);
      const fleet = startFleet({
        collectorUrl: collector.url,
        nodes: fleetNodes(shard).map((nodeId) => ({ nodeId, token: tokens[nodeId] as string })),
        t0Ms: Date.now(),
        intervalMs: 5_000,
        durationMs: 45_000,
        drainTimeoutMs: 10_000,
        points: 2,
        logsEvery: 1_000_000, // metrics only: the spike is the only burst of failed logins
      });
      shards.set(shard, { feed, collector, fleet, tokens });
    }
    const ruleFile = join(dir, 'perimeter.rules.yml');
    writeFileSync(
      ruleFile,
      rulesForVmalert(readFileSync(join(REPO_ROOT, 'deploy', 'prometheus', 'perimeter.rules.yml'), 'utf8')),
    );
    vmalert = await startVmalert({
      ruleFile,
      datasourceUrl: vm.url,
      alertmanagerUrl: alertmanager.url,
      externalUrl: VMALERT_URL,
      evaluationInterval: '1s',
    });

    // A counter's first sample shows no increase: VictoriaMetrics must hold each counter at 0
    // before its failures arrive.
    const counterAtZero = (node: string) =>
      waitUntil(
        async () => resultSize(await vm.query(`${Prom.authFailures}{node="${node}"} == 0`)) > 0,
        () => `VictoriaMetrics scraped ${node}'s failed-login counter at 0:\n${vm.output().slice(-2000)}`,
        30_000,
      );
    // Both shards at once: each waits for its own counters, then spikes.
    await Promise.all(
      [...shards].map(async ([shard, run]) => {
        await run.feed.hostFollowsAuthLog();
        await counterAtZero(feedNodes(shard).host);
        run.feed.failLogins();
        const node = spiked(shard);
        await counterAtZero(node);
        const now = Date.now();
        const events = Array.from({ length: SPIKE }, (_, i) => ({
          name: 'auth.login',
          timeMs: now - SPIKE + i,
          attributes: { 'auth.outcome': 'failure', 'auth.method': 'ssh', 'user.name': `guess${i}` },
        }));
        const answer = await postLogs(
          run.collector.url,
          run.tokens[node] as string,
          jsonEvents({ nodeId: node, events }),
        );
        expect(answer.status, await answer.text()).toBe(200);
        let text = '';
        await waitUntil(
          async () => {
            text = await scrape(run.collector.url);
            return run.feed.reached(text);
          },
          () => `every source reaches collector ${shard}'s /metrics:\n${text.slice(0, 4000)}`,
          30_000,
        );
      }),
    );
    await waitUntil(
      async () =>
        resultSize(await vm.query(`count_over_time(up{job="${COLLECTOR_JOB}"}[1m]) >= 5`)) === SHARDS.length,
      () => `VictoriaMetrics scraped both collectors 5 times:\n${vm.output().slice(-2000)}`,
      20_000,
    );
  }, 150_000);

  afterAll(async () => {
    const bounded = (promise: Promise<unknown>, ms: number) =>
      Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
    await bounded(Promise.all([...shards.values()].map((run) => run.fleet.result)), 70_000);
    for (const run of shards.values()) {
      await run.feed.stop();
      await run.collector.stop();
    }
    await vmalert?.stop();
    await vm?.stop();
    await alertmanager?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('holds every node of both collectors: scraped last-seen and remote-written samples', async () => {
    const expected = SHARDS.flatMap((shard) => [...Object.values(feedNodes(shard)), ...fleetNodes(shard)]);
    let lastSeen: string[] = [];
    // The fleet's nodes start spread over their interval: wait for the last one's first batch.
    await waitUntil(
      async () => {
        lastSeen = await vm.labelValues('node', [Prom.nodeLastSeen]);
        return lastSeen.length >= expected.length;
      },
      () => `every node's last-seen gauge scraped; have ${lastSeen.length} of ${expected.length}`,
      30_000,
    );
    expect(lastSeen.sort()).toEqual(expected.sort());
    await waitUntil(
      async () => {
        const answer = await vm.query('count(count by (node) ({__name__=~"chaos_value.*"}))');
        const result = answer.data?.result as Array<{ value: [number, string] }> | undefined;
        return Number(result?.[0]?.value[1] ?? 0) === 2 * FLEET_PER_COLLECTOR;
      },
      'remote write carried samples of all 200 simulated nodes',
      20_000,
    );
    // The collectors' own series come from the scrape alone: no node series is stored twice.
    const doubled = await vm.query(`count by (node, hw_id) (${Prom.temperature}{node="gpu-a"}) > 1`);
    expect(resultSize(doubled)).toBe(0);
  });

  it('answers every dashboard query for nodes of both collectors', async () => {
    const nodes = SHARDS.flatMap((shard) => Object.values(feedNodes(shard)));
    const { proven, failures } = await proveQueries(vm, queries, nodes, (query, answered) => {
      if (answered.length === 0) return 'no data';
      if (!query.expr.includes('$node')) return null;
      const silent = SHARDS.filter((shard) => !answered.some((node) => node.endsWith(`-${shard}`)));
      return silent.length === 0 ? null : `no data for any node of collector ${silent.join(', ')}`;
    });
    console.log(`dashboard queries with data in VictoriaMetrics (${proven.length}/${queries.length})`);
    expect(failures, 'panel queries that fail or miss a collector').toEqual([]);
  }, 60_000);

  it('sends an auth-failure spike on a node of either collector to Alertmanager once, from vmalert', async () => {
    const spikes = (shard: Shard) =>
      alertmanager.query('alertname=AuthFailureSpike', `node=${spiked(shard)}`);
    // AuthFailureSpike holds `for: 1m` in the deploy file: bounded at that plus scrape, evaluation
    // and a loaded machine's slack.
    await waitUntil(
      () => SHARDS.every((shard) => spikes(shard).length > 0),
      () =>
        `amtool shows AuthFailureSpike for both spiked nodes; vmalert said:\n${vmalert.output().slice(-3000)}`,
      100_000,
    );
    for (const shard of SHARDS) {
      const alerts = spikes(shard);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.labels).toMatchObject({ alertname: 'AuthFailureSpike', severity: 'warning' });
      expect(alerts[0]?.generatorURL.startsWith(VMALERT_URL)).toBe(true);

      // The collector evaluated the same rule over its own nodes, and notified nobody.
      const run = shards.get(shard) as ShardRun;
      const reader = run.collector.createToken(`reader-${shard}`, 'reader');
      const api = await readerGet<{
        active: Array<{ state: string; labels: Record<string, string> }>;
        notifications: unknown[];
      }>(`${run.collector.url}/api/v1/alerts?alertname=AuthFailureSpike`, reader);
      expect(api.active.find((alert) => alert.labels['node'] === spiked(shard))?.state).toMatch(
        /^(pending|firing)$/,
      );
      expect(api.notifications).toEqual([]);
    }
    // Only the spiked nodes: the other shard's nodes never show up under this collector's rule.
    const all = alertmanager.query('alertname=AuthFailureSpike').map((alert) => alert.labels['node']);
    expect(all.sort()).toEqual(SHARDS.map(spiked).sort());
  }, 120_000);
});

/** GET with a reader token; a kept-alive socket the loaded server closed is retried (3 tries). */
async function readerGet<T>(url: string, token: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    } catch (error) {
      if (attempt === 3 || !(error instanceof TypeError)) throw error;
    }
  }
}
