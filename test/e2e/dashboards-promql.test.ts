import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COLLECTOR_JOB, metricNamesIn, Prom, PrometheusOwn } from '../../dashboards/src/index.ts';
import { sharedFixturesAvailable } from '../../packages/agent/src/test-support/fixtures.ts';
import { issueTokens } from '../../packages/collector/src/test-support/loopback-collector.ts';
import { waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';
import { type DashboardFeed, prepareDashboardFeed } from '../helpers/dashboard-feed.ts';
import { allPanelQueries, proveQueries } from '../helpers/dashboard-queries.ts';
import { REPO_ROOT } from '../helpers/processes.ts';
import {
  type PrometheusProcess,
  prometheusBinary,
  resultSize,
  startPrometheus,
} from '../helpers/prometheus-process.ts';

/**
 * Every panel query in dashboards/json is proven on real processes: Prometheus (the deploy
 * scrape config and rule file, at a 1 s interval) scrapes a collector fed by
 *  - gpu-node-01: a real agent on node_exporter's hwmon + thermal_zone tree and procfs's amdgpu
 *    tree (--fs-root): temperatures with their limits, a fan with its limits, GPU load and memory;
 *  - ci-host: a real agent on this machine, tailing a temp auth log (logins.authLog) that the test
 *    writes failed ssh and sudo logins into, with a drift baseline whose workspace.clean check
 *    fails on any machine (a stale model file in a workspace): ConfigDrift fires in Prometheus;
 *  - mac-mini-07: a Mac stand-in. `run` cannot replay a capture, so the agent's `once --json
 *    --from-capture` on a capture made of the real macOS fixtures (macmon serve, pmset, ioreg)
 *    gives the readings, and the test POSTs them as OTLP/JSON every second: thermal pressure,
 *    Apple GPU load, power rails, SoC temperatures and the fan. One sequence number is skipped
 *    (a gap), and bad requests are sent (an unknown token, no token, bad JSON) for the rejects;
 * and forwards to a file sink (healthy), an OTLP sink on a closed port (lag, queue, failures), an
 * OTLP sink that answers 400 (dead letters) and one that answers partial_success (partial rejects).
 * Not fed, so they show real zeros: drops at the hard quota and agent spool overflows (both need
 * minutes of outage or a full disk), and pruning by retention (days). Each query must parse and return data with its
 * template variables substituted ($node: each known node in turn, at least one must answer).
 */
const prometheus = prometheusBinary();
const ready = prometheus !== null && sharedFixturesAvailable;
const suite = ready ? describe : describe.skip;
if (!ready) {
  console.warn(
    `skipping dashboards PromQL proof: ${prometheus === null ? 'no prometheus binary (/usr/bin/prometheus or $PROMETHEUS)' : 'no ../shared/fixtures'}`,
  );
}

const NODES = { gpu: 'gpu-node-01', host: 'ci-host', mac: 'mac-mini-07' } as const;

/**
 * Panels allowed to come back empty here, each with the reason it cannot have data in a short
 * test. Keep this list short: feed the condition instead where a test can.
 */
const MAY_BE_EMPTY: ReadonlyArray<{ panel: string; reason: string }> = [];

suite('every dashboard query parses and returns data on real processes', () => {
  let dir: string;
  let feed: DashboardFeed;
  let collector: CollectorProcess;
  let prom: PrometheusProcess;
  let exposed: Set<string>;
  let knownNodes: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-dashboards-'));
    feed = await prepareDashboardFeed(join(dir, 'feed'), NODES);
    const dataDir = join(dir, 'collector');
    mkdirSync(dataDir);
    const tokens = issueTokens(
      dataDir,
      Object.values(NODES).map((nodeId) => ({ nodeId, role: 'node' as const })),
    );
    collector = await startCollectorProcess({
      dataDir,
      logLevel: 'warn',
      config: JSON.stringify({ alerting: { evaluationInterval: '1s' }, forward: feed.forward }),
    });
    await feed.start(collector.url, (nodeId) => tokens[`${nodeId}/node`] as string);

    const deployConfig = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    prom = await startPrometheus({ config: testPrometheusConfig(deployConfig, collector.port) });

    await feed.hostFollowsAuthLog();
    // A counter's first sample shows no increase: let Prometheus see the host at 0 failures first.
    await waitUntil(
      async () => resultSize(await prom.query(`${Prom.authFailures}{node="${NODES.host}"}`)) > 0,
      "Prometheus has scraped the host's failed-login counter",
    );
    feed.failLogins();

    // Enough for every source to have arrived, and for Prometheus to have a few scrapes of it.
    let metricsText = '';
    await waitUntil(
      async () => {
        metricsText = await scrape(collector.url);
        return feed.reached(metricsText);
      },
      () => `all sources reach /metrics:\n${metricsText.slice(0, 6000)}`,
      25_000,
    );
    await waitUntil(
      async () => resultSize(await prom.query(`count_over_time(up{job="${COLLECTOR_JOB}"}[1m]) >= 8`)) > 0,
      () => `Prometheus scraped the collector 8 times: ${prom.output().slice(-2000)}`,
      20_000,
    );
    exposed = metricNamesOf(await scrape(collector.url));
    knownNodes = await prom.labelValues('node', ['perimeter_node_last_seen_timestamp_seconds']);
  }, 60_000);

  afterAll(async () => {
    await feed?.stop();
    await prom?.stop();
    await collector?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const queries = allPanelQueries();

  it('the node variable (label_values over the last-seen gauge) lists every node', () => {
    expect(knownNodes.sort()).toEqual(Object.values(NODES).sort());
  });

  it('names only metrics the collector exposes (or Prometheus makes itself: up, ALERTS)', () => {
    const own = new Set<string>(Object.values(PrometheusOwn));
    const missing = queries.flatMap((q) =>
      metricNamesIn(q.expr)
        .filter((name) => !exposed.has(name) && !own.has(name))
        .map((name) => `${q.dashboard} / ${q.panel} (${q.refId}): ${name}`),
    );
    expect(missing, 'metrics a panel names but the collector does not expose').toEqual([]);
    expect(queries.length).toBeGreaterThan(60);
  });

  it('every query parses and returns data', async () => {
    const { proven, failures } = await proveQueries(prom, queries, knownNodes, (query, answered) =>
      answered.length > 0 || MAY_BE_EMPTY.some((allowed) => allowed.panel === query.panel) ? null : 'no data',
    );
    console.log(
      `dashboard queries with data (${proven.length}/${queries.length}):\n  ${proven.join('\n  ')}`,
    );
    expect(failures, 'panel queries that fail or return nothing').toEqual([]);
  });
});

/** Names in a Prometheus text exposition: `# TYPE` lines and sample lines. */
function metricNamesOf(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^(?:# TYPE )?([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (match && !line.startsWith('# HELP')) names.add(match[1] as string);
  }
  return names;
}

/** deploy/prometheus/prometheus.yml, pointed at the test collector and sped up to 1 s. */
function testPrometheusConfig(
  deploy: Record<string, unknown>,
  collectorPort: number,
): Record<string, unknown> {
  const jobs = deploy['scrape_configs'] as Array<Record<string, unknown>>;
  const deployJob = jobs.find((job) => job['job_name'] === COLLECTOR_JOB);
  if (!deployJob) throw new Error(`deploy/prometheus/prometheus.yml has no ${COLLECTOR_JOB} job`);
  // The test collector is plain HTTP on loopback (metrics.auth none): the deploy job's transport
  // (https, its CA, the reader token file) is proven in metrics-auth-prometheus.test.ts.
  const { authorization: _authorization, scheme: _scheme, tls_config: _tls, ...collectorJob } = deployJob;
  return {
    global: { ...(deploy['global'] as object), scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: (deploy['rule_files'] as string[]).map((file) =>
      join(REPO_ROOT, 'deploy', 'prometheus', file),
    ),
    scrape_configs: [
      {
        ...collectorJob,
        scrape_interval: '1s',
        scrape_timeout: '1s',
        static_configs: [{ targets: [`127.0.0.1:${collectorPort}`] }],
      },
    ],
  };
}
