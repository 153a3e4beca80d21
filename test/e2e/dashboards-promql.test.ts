import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildDashboards,
  COLLECTOR_JOB,
  metricNamesIn,
  type PanelQuery,
  Prom,
  PrometheusOwn,
  panelQueries,
  substituteVariables,
} from '../../dashboards/src/index.ts';
import type { Manifest } from '../../packages/agent/src/capture/manifest.ts';
import { IOREG_ACCELERATOR_ARGV } from '../../packages/agent/src/samplers/gpu/darwin.ts';
import { DEFAULT_MACMON_URL } from '../../packages/agent/src/samplers/macos/macmon.ts';
import { PMSET_THERM_ARGV } from '../../packages/agent/src/samplers/thermal/darwin.ts';
import {
  sharedFixturePath,
  sharedFixturesAvailable,
} from '../../packages/agent/src/test-support/fixtures.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../packages/agent/src/test-support/ttar.ts';
import { issueTokens } from '../../packages/collector/src/test-support/loopback-collector.ts';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';
import { AGENT_CLI, freePort, REPO_ROOT } from '../helpers/processes.ts';
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
/** Grafana's interval variables, sized for a test that has scraped for ~15 s at 1 s. */
const VARIABLES = { __rate_interval: '30s', __interval: '2s', __range: '1m', __range_s: '60' };

/**
 * Panels allowed to come back empty here, each with the reason it cannot have data in a short
 * test. Keep this list short: feed the condition instead where a test can.
 */
const MAY_BE_EMPTY: ReadonlyArray<{ panel: string; reason: string }> = [];

suite('every dashboard query parses and returns data on real processes', () => {
  let tree: UnpackedTtar;
  let amd: UnpackedTtar;
  let dir: string;
  let collector: CollectorProcess;
  let prom: PrometheusProcess;
  const agents: AgentProcess[] = [];
  let upstream: Server;
  let macTimer: NodeJS.Timeout | undefined;
  let exposed: Set<string>;
  let knownNodes: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-dashboards-'));
    tree = unpackTtarFiles(
      sharedFixturePath('linux', 'node_exporter-sys-hwmon.ttar'),
      sharedFixturePath('linux', 'node_exporter-sys-thermal_zone.ttar'),
    );
    amd = unpackTtarFiles(sharedFixturePath('linux', 'procfs-sys-class-drm-amdgpu.ttar'));
    // procfs keeps its tree under fixtures/sys: graft its drm class into the hwmon tree.
    cpSync(join(amd.root, 'fixtures', 'sys', 'class', 'drm'), join(tree.root, 'sys', 'class', 'drm'), {
      recursive: true,
      verbatimSymlinks: true,
    });

    // Two upstreams in one server: /reject refuses everything for good (dead letters), /partial
    // accepts with an OTLP partial_success that rejects one item (partial rejects).
    upstream = createServer((req, res) => {
      req.resume();
      if (req.url?.startsWith('/partial/')) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(
            '{"partialSuccess":{"rejectedDataPoints":"1","rejectedLogRecords":"1","errorMessage":"one item out of range"}}',
          );
      } else {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":3,"message":"schema"}');
      }
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const closedPort = await freePort();

    const dataDir = join(dir, 'collector');
    mkdirSync(dataDir);
    const tokens = issueTokens(
      dataDir,
      Object.values(NODES).map((nodeId) => ({ nodeId, role: 'node' as const })),
    );
    const fastRetry = { initialInterval: '200ms', maxInterval: '1s' };
    collector = await startCollectorProcess({
      dataDir,
      logLevel: 'warn',
      config: JSON.stringify({
        alerting: { evaluationInterval: '1s' },
        forward: [
          { type: 'file', name: 'archive', dir: join(dir, 'archive') },
          { type: 'otlp', name: 'cloud-down', endpoint: `http://127.0.0.1:${closedPort}`, retry: fastRetry },
          { type: 'otlp', name: 'cloud-reject', endpoint: `${upstreamUrl}/reject`, retry: fastRetry },
          { type: 'otlp', name: 'cloud-partial', endpoint: `${upstreamUrl}/partial`, retry: fastRetry },
        ],
      }),
    });

    const authLog = join(dir, 'auth.log');
    writeFileSync(authLog, '');
    // A drift check that fails on any machine: a model file left in a workspace past its max age.
    const workspace = join(dir, 'workspace');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'old-model.safetensors'), '');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(join(workspace, 'old-model.safetensors'), twoHoursAgo, twoHoursAgo);
    const baseline = join(dir, 'baseline.yaml');
    writeFileSync(
      baseline,
      `version: 1\nchecks: {}\nparams:\n  workspaceDirs:\n    - path: ${workspace}\n      maxAge: 1h\n`,
    );
    agents.push(
      startAgentProcess({
        collectorUrl: collector.url,
        token: tokens[`${NODES.gpu}/node`] as string,
        nodeId: NODES.gpu,
        interval: '500ms',
        fsRoot: tree.root,
      }),
      startAgentProcess({
        collectorUrl: collector.url,
        token: tokens[`${NODES.host}/node`] as string,
        nodeId: NODES.host,
        interval: '500ms',
        config: `logins:\n  authLog: ${authLog}\n  backfill: false\ndrift:\n  baseline: ${baseline}\n`,
      }),
    );
    macTimer = await startMacStandIn(collector.url, tokens[`${NODES.mac}/node`] as string, dir);
    await sendBadRequests(collector.url, tokens[`${NODES.mac}/node`] as string);

    const deployConfig = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    prom = await startPrometheus({ config: testPrometheusConfig(deployConfig, collector.port) });

    await waitUntil(
      () => agents[1]?.output().includes('auth log followed') ?? false,
      () => `the host agent follows the auth log: ${agents[1]?.output().slice(0, 2000)}`,
    );
    // A counter's first sample shows no increase: let Prometheus see the host at 0 failures first.
    await waitUntil(
      async () => resultSize(await prom.query(`${Prom.authFailures}{node="${NODES.host}"}`)) > 0,
      "Prometheus has scraped the host's failed-login counter",
    );
    appendFileSync(
      authLog,
      [
        'Nov 23 08:15:02 ci-host sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2',
        'Nov 23 08:15:04 ci-host sshd[4243]: Failed password for root from 203.0.113.9 port 4243 ssh2',
        'Nov 23 08:15:06 ci-host sshd[4244]: Failed password for invalid user oracle from 198.51.100.7 port 4244 ssh2',
        'Nov 23 08:15:09 ci-host sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls',
        '',
      ].join('\n'),
    );

    // Enough for every source to have arrived, and for Prometheus to have a few scrapes of it.
    let metricsText = '';
    await waitUntil(
      async () => {
        const text = await scrape(collector.url);
        metricsText = text;
        return (
          Object.values(NODES).every((node) => text.includes(`node="${node}"`)) &&
          /^perimeter_auth_failures_total\{node="ci-host",auth_method="ssh"\} 3$/m.test(text) &&
          /^perimeter_forward_dead_letters\{sink="cloud-reject"\} [1-9]/m.test(text) &&
          /^perimeter_forward_partial_rejected_total\{sink="cloud-partial"\} [1-9]/m.test(text) &&
          /^perimeter_ingest_gaps_total\{node="mac-mini-07"\} [1-9]/m.test(text) &&
          /^perimeter_forward_lag_seconds\{sink="cloud-down"\} [1-9]/m.test(text) &&
          /^perimeter_alerts_active\{state="firing"\} [1-9]/m.test(text) &&
          /^perimeter_drift_check\{node="ci-host",[^}]*check_id="workspace.clean"\} 0$/m.test(text)
        );
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
    if (macTimer) clearInterval(macTimer);
    await Promise.all(agents.map((agent) => agent.stop()));
    await prom?.stop();
    await collector?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
    tree?.remove();
    amd?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const queries = buildDashboards().flatMap(({ model }) => panelQueries(model));

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
    const end = Date.now() / 1000;
    const failures: string[] = [];
    const proven: string[] = [];
    for (const query of queries) {
      const nodes = query.expr.includes('$node') ? knownNodes : [''];
      const answered: string[] = [];
      for (const node of nodes) {
        const expr = substituteVariables(query.expr, { ...VARIABLES, node });
        const answer = query.instant
          ? await prom.query(expr, end)
          : await prom.queryRange(expr, end - 20, end, 1);
        if (answer.status !== 'success') {
          failures.push(`${label(query)}: does not run: ${answer.errorType}: ${answer.error}\n    ${expr}`);
          break;
        }
        if (resultSize(answer) > 0) answered.push(node || '(fleet)');
      }
      if (answered.length > 0) {
        proven.push(`${label(query)} → ${answered.join(', ')}`);
      } else if (!MAY_BE_EMPTY.some((allowed) => allowed.panel === query.panel)) {
        failures.push(`${label(query)}: no data\n    ${query.expr}`);
      }
    }
    console.log(
      `dashboard queries with data (${proven.length}/${queries.length}):\n  ${proven.join('\n  ')}`,
    );
    expect(failures, 'panel queries that fail or return nothing').toEqual([]);
  });
});

function label(query: PanelQuery): string {
  return `${query.dashboard} / ${query.panel} (${query.refId})`;
}

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
  const collectorJob = jobs.find((job) => job['job_name'] === COLLECTOR_JOB);
  if (!collectorJob) throw new Error(`deploy/prometheus/prometheus.yml has no ${COLLECTOR_JOB} job`);
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

/** A Mac's readings from a capture of the real macOS fixtures, POSTed every second as OTLP/JSON. */
async function startMacStandIn(url: string, token: string, dir: string): Promise<NodeJS.Timeout> {
  const capture = join(dir, 'mac-capture');
  mkdirSync(capture);
  const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');
  writeFileSync(join(capture, 'pmset.stdout'), fixture('pmset-therm-m1pro.txt'));
  writeFileSync(join(capture, 'ioreg.stdout'), fixture('ioreg-IOAccelerator-m4.txt'));
  writeFileSync(join(capture, 'macmon.txt'), fixture('macmon-serve-metrics-m3pro.prom'));
  writeFileSync(join(capture, 'empty.stderr'), '');
  const ran = (argv: readonly string[], stdoutFile: string) => ({
    argv: [...argv],
    status: 'ok' as const,
    stdoutFile,
    stderrFile: 'empty.stderr',
  });
  const manifest: Manifest = {
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    platform: 'darwin',
    arch: 'arm64',
    hostname: NODES.mac,
    fsRoot: '/',
    commands: [ran(PMSET_THERM_ARGV, 'pmset.stdout'), ran(IOREG_ACCELERATOR_ARGV, 'ioreg.stdout')],
    http: [{ url: DEFAULT_MACMON_URL, status: 'ok', bodyFile: 'macmon.txt' }],
    files: [],
    dirs: [],
    realPaths: [],
  };
  writeFileSync(join(capture, 'manifest.json'), JSON.stringify(manifest));
  const once = spawnSync(
    process.execPath,
    [AGENT_CLI, 'once', '--json', '--from-capture', capture, '--log-level', 'silent'],
    { encoding: 'utf8', env: { PATH: process.env['PATH'] } },
  );
  if (once.status !== 0) throw new Error(`once --from-capture failed: ${once.stderr}`);
  const readings = (
    JSON.parse(once.stdout) as {
      readings: Array<{ metric: string; unit: string; value: number; attributes: Record<string, string> }>;
    }
  ).readings;
  const metrics = new Set(readings.map((r) => r.metric));
  for (const needed of ['perimeter.thermal.pressure', 'hw.gpu.utilization', 'hw.power', 'hw.fan.speed']) {
    if (!metrics.has(needed)) throw new Error(`the Mac capture gave no ${needed}: ${once.stdout}`);
  }
  const stream = randomUUID();
  let seq = 0;
  const post = async () => {
    seq += seq === 2 ? 2 : 1; // skips 3 once: the collector records a gap
    const nowNs = `${BigInt(Date.now()) * 1_000_000n}`;
    const attributes = (values: Record<string, string>) =>
      Object.entries(values).map(([key, value]) => ({ key, value: { stringValue: String(value) } }));
    const body = {
      resourceMetrics: [
        {
          resource: {
            attributes: attributes({
              'perimeter.node.id': NODES.mac,
              'host.name': NODES.mac,
              'os.type': 'darwin',
              'host.arch': 'arm64',
              'host.model': 'Mac16,10',
            }),
          },
          scopeMetrics: [
            {
              scope: { name: 'perimeter-agent (capture replay)' },
              metrics: readings.map((reading) => ({
                name: reading.metric,
                unit: reading.unit,
                gauge: {
                  dataPoints: [
                    {
                      timeUnixNano: nowNs,
                      asDouble: reading.value,
                      attributes: attributes(reading.attributes),
                    },
                  ],
                },
              })),
            },
          ],
        },
      ],
    };
    await fetch(`${url}/v1/metrics`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-perimeter-stream': stream,
        'x-perimeter-seq': String(seq),
      },
      body: JSON.stringify(body),
    }).catch(() => undefined);
  };
  await post();
  return setInterval(() => void post(), 1_000);
}

/** What the rejects panels count: an unknown (or revoked) token, no token, a body that is not JSON. */
async function sendBadRequests(url: string, token: string): Promise<void> {
  const send = (headers: Record<string, string>, body: string) =>
    fetch(`${url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  for (let i = 0; i < 3; i++) {
    await send({ authorization: 'Bearer pmt_not_a_real_token' }, '{}');
    await send({}, '{}');
  }
  await send({ authorization: `Bearer ${token}` }, '{"resourceMetrics": [');
}
