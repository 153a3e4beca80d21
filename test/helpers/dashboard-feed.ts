import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Manifest } from '../../packages/agent/src/capture/manifest.ts';
import { IOREG_ACCELERATOR_ARGV } from '../../packages/agent/src/samplers/gpu/darwin.ts';
import { DEFAULT_MACMON_URL } from '../../packages/agent/src/samplers/macos/macmon.ts';
import { PMSET_THERM_ARGV } from '../../packages/agent/src/samplers/thermal/darwin.ts';
import { sharedFixturePath } from '../../packages/agent/src/test-support/fixtures.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../packages/agent/src/test-support/ttar.ts';
import { postOtlpJson } from '../../packages/collector/src/test-support/post-otlp.ts';
import { type AgentProcess, startAgentProcess, waitUntil } from './agent-process.ts';
import { inferenceArrived, inferenceNodeMetrics, postInferenceRequests } from './inference-stand-in.ts';
import { AGENT_CLI, freePort } from './processes.ts';

/**
 * What makes every dashboard panel have data, fed into one collector by real processes:
 *  - a GPU node: a real agent on node_exporter's hwmon + thermal_zone tree and procfs's amdgpu
 *    tree (--fs-root): temperatures with their limits, a fan with its limits, GPU load and memory;
 *  - a host: a real agent on this machine, tailing a temp auth log (logins.authLog) that
 *    `failLogins()` writes failed ssh and sudo logins into, with a drift baseline whose
 *    workspace.clean check fails on any machine (a stale model file in a workspace);
 *  - a Mac stand-in. `run` cannot replay a capture, so the agent's `once --json --from-capture` on
 *    a capture made of the real macOS fixtures (macmon serve, pmset, ioreg) gives the readings,
 *    POSTed as OTLP/JSON every second: thermal pressure, Apple GPU load, power rails, SoC
 *    temperatures and the fan. One sequence number is skipped (a gap), and bad requests are sent
 *    (an unknown token, no token, bad JSON) for the rejects. The Mac also serves inference
 *    (inference-stand-in.ts): a llama-server's metrics, proxy requests and a GGUF inventory;
 * and `forward` sinks for the collector config: a file sink (healthy), an OTLP sink on a closed
 * port (lag, queue, failures), one that answers 400 (dead letters) and one that answers
 * partial_success (partial rejects). Used by the dashboards PromQL proof (one collector,
 * Prometheus) and the scale-out proof (two collectors, VictoriaMetrics).
 */
export interface DashboardNodes {
  gpu: string;
  host: string;
  mac: string;
}

export interface DashboardFeed {
  nodes: DashboardNodes;
  /** The collector's `forward` list (its upstreams are running). */
  forward: Array<Record<string, unknown>>;
  /** Starts the agents and the Mac stand-in against a collector, and sends the bad requests. */
  start(collectorUrl: string, tokenOf: (nodeId: string) => string): Promise<void>;
  /** Resolves once the host agent follows its auth log. */
  hostFollowsAuthLog(): Promise<void>;
  /** Three failed ssh logins and one sudo failure (3 attempts) on the host. */
  failLogins(): void;
  /** Whether a /metrics text shows every source arrived (nodes, rejects, gaps, forward troubles). */
  reached(metricsText: string): boolean;
  stop(): Promise<void>;
}

export async function prepareDashboardFeed(dir: string, nodes: DashboardNodes): Promise<DashboardFeed> {
  mkdirSync(dir, { recursive: true });
  const tree: UnpackedTtar = unpackTtarFiles(
    sharedFixturePath('linux', 'node_exporter-sys-hwmon.ttar'),
    sharedFixturePath('linux', 'node_exporter-sys-thermal_zone.ttar'),
  );
  const amd: UnpackedTtar = unpackTtarFiles(sharedFixturePath('linux', 'procfs-sys-class-drm-amdgpu.ttar'));
  // procfs keeps its tree under fixtures/sys: graft its drm class into the hwmon tree.
  cpSync(join(amd.root, 'fixtures', 'sys', 'class', 'drm'), join(tree.root, 'sys', 'class', 'drm'), {
    recursive: true,
    verbatimSymlinks: true,
  });

  // Two upstreams in one server: /reject refuses everything for good (dead letters), /partial
  // accepts with an OTLP partial_success that rejects one item (partial rejects).
  const upstream: Server = createServer((req, res) => {
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
  const fastRetry = { initialInterval: '200ms', maxInterval: '1s' };
  const forward = [
    { type: 'file', name: 'archive', dir: join(dir, 'archive') },
    { type: 'otlp', name: 'cloud-down', endpoint: `http://127.0.0.1:${closedPort}`, retry: fastRetry },
    { type: 'otlp', name: 'cloud-reject', endpoint: `${upstreamUrl}/reject`, retry: fastRetry },
    { type: 'otlp', name: 'cloud-partial', endpoint: `${upstreamUrl}/partial`, retry: fastRetry },
  ];

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

  const agents: AgentProcess[] = [];
  let macTimer: NodeJS.Timeout | undefined;
  return {
    nodes,
    forward,
    async start(collectorUrl, tokenOf) {
      agents.push(
        startAgentProcess({
          collectorUrl,
          token: tokenOf(nodes.gpu),
          nodeId: nodes.gpu,
          interval: '500ms',
          fsRoot: tree.root,
        }),
        startAgentProcess({
          collectorUrl,
          token: tokenOf(nodes.host),
          nodeId: nodes.host,
          interval: '500ms',
          config: `logins:\n  authLog: ${authLog}\n  backfill: false\ndrift:\n  baseline: ${baseline}\n`,
        }),
      );
      macTimer = await startMacStandIn(collectorUrl, tokenOf(nodes.mac), dir, nodes.mac);
      await sendBadRequests(collectorUrl, tokenOf(nodes.mac));
    },
    hostFollowsAuthLog: () =>
      waitUntil(
        () => agents[1]?.output().includes('auth log followed') ?? false,
        () => `the host agent follows the auth log: ${agents[1]?.output().slice(0, 2000)}`,
      ),
    failLogins() {
      const host = nodes.host;
      appendFileSync(
        authLog,
        [
          `Nov 23 08:15:02 ${host} sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2`,
          `Nov 23 08:15:04 ${host} sshd[4243]: Failed password for root from 203.0.113.9 port 4243 ssh2`,
          `Nov 23 08:15:06 ${host} sshd[4244]: Failed password for invalid user oracle from 198.51.100.7 port 4244 ssh2`,
          `Nov 23 08:15:09 ${host} sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls`,
          '',
        ].join('\n'),
      );
    },
    reached: (text) =>
      Object.values(nodes).every((node) => text.includes(`node="${node}"`)) &&
      new RegExp(`^perimeter_auth_failures_total\\{node="${nodes.host}",auth_method="ssh"\\} 3$`, 'm').test(
        text,
      ) &&
      /^perimeter_forward_dead_letters\{sink="cloud-reject"\} [1-9]/m.test(text) &&
      /^perimeter_forward_partial_rejected_total\{sink="cloud-partial"\} [1-9]/m.test(text) &&
      new RegExp(`^perimeter_ingest_gaps_total\\{node="${nodes.mac}"\\} [1-9]`, 'm').test(text) &&
      /^perimeter_forward_lag_seconds\{sink="cloud-down"\} [1-9]/m.test(text) &&
      /^perimeter_alerts_active\{state="firing"\} [1-9]/m.test(text) &&
      new RegExp(
        `^perimeter_drift_check\\{node="${nodes.host}",[^}]*check_id="workspace.clean"\\} 0$`,
        'm',
      ).test(text) &&
      inferenceArrived(text, nodes.mac),
    async stop() {
      if (macTimer) clearInterval(macTimer);
      await Promise.all(agents.map((agent) => agent.stop()));
      await new Promise((resolve) => upstream.close(resolve));
      tree.remove();
      amd.remove();
    },
  };
}

/** A Mac's readings from a capture of the real macOS fixtures, POSTed every second as OTLP/JSON. */
async function startMacStandIn(
  url: string,
  token: string,
  dir: string,
  nodeId: string,
): Promise<NodeJS.Timeout> {
  const capture = join(dir, `mac-capture-${nodeId}`);
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
    hostname: nodeId,
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
              'perimeter.node.id': nodeId,
              'host.name': nodeId,
              'os.type': 'darwin',
              'host.arch': 'arm64',
              'host.model': 'Mac16,10',
            }),
          },
          scopeMetrics: [
            {
              scope: { name: 'perimeter-agent (capture replay)' },
              metrics: [
                ...readings.map((reading) => ({
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
                ...inferenceNodeMetrics(nowNs, seq),
              ],
            },
          ],
        },
      ],
    };
    await postOtlpJson(url, 'metrics', token, JSON.stringify(body), { stream, seq }).catch(() => undefined);
  };
  await post();
  return setInterval(() => {
    void post();
    void postInferenceRequests(url, token, nodeId);
  }, 1_000);
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
