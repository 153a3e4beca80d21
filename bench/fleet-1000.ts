#!/usr/bin/env node
/**
 * A 1,000-node fleet on ONE collector (`perimeter-collector serve`, loopback, the default alert
 * pack evaluated every --eval seconds): the nodes are test/helpers/latency-fleet.ts processes
 * (--procs of them), each node the agent's real spool + shipper at the agent's default interval
 * (--interval, 10 s) with --points gauge points a round (protobuf, gzip). After --warmup seconds,
 * for --seconds it measures, every --every seconds:
 *   ingest CPU       the collector process's CPU-seconds per wall second (1.0 = one core; its
 *                    request path is one JavaScript thread)
 *   /metrics         time to the last byte and size of a full scrape (every node series)
 *   alert cycle      perimeter_alerts_evaluation_seconds (the last cycle's wall time)
 *   fleet page       time to the last byte of the console's fleet page `/` (signed-in reader)
 *   sample → ack     p99 of the fleet's batches (ack time − sample time), from the fleet's result
 * and prints the median (min–max) of each beside its budget, then the first limit: the figure
 * nearest its budget, and what raises it.
 *
 *   node bench/fleet-1000.ts [--nodes 1000] [--procs 4] [--points 40] [--interval 10000]
 *                            [--seconds 60] [--warmup 15] [--every 5] [--eval 15] [--startup 60]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createToken, openStore } from '@perimeter/collector';
import { CollectorMetricNames } from '@perimeter/schema';
import { startCollectorProcess } from '../test/helpers/collector-process.ts';
import type { LatencyFleetNodeResult, LatencyFleetSpec } from '../test/helpers/latency-fleet.ts';
import { cpuSeconds, freePort, median, REPO_ROOT } from '../test/helpers/processes.ts';
import { consoleSessionCookie } from './lib/console-session.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    procs: { type: 'string', default: '4' },
    points: { type: 'string', default: '40' },
    interval: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    every: { type: 'string', default: '5' },
    eval: { type: 'string', default: '15' },
    startup: { type: 'string', default: '60' },
  },
});
const NODES = Number(values.nodes);
const PROCS = Math.min(Number(values.procs), NODES);
const POINTS = Number(values.points);
const INTERVAL_MS = Number(values.interval);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const EVERY_MS = Number(values.every) * 1000;
const EVAL_S = Number(values.eval);
const STARTUP_S = Number(values.startup);
const FLEET = join(REPO_ROOT, 'test', 'helpers', 'latency-fleet.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = join(tmpdir(), `perimeter-bench-fleet-${process.pid}-${Date.now()}`);
const dataDir = join(dir, 'collector');
mkdirSync(dataDir, { recursive: true });
// Tokens straight into the store before serve starts (1,000 CLI processes would take minutes).
const store = openStore({ dataDir });
const nodes = Array.from({ length: NODES }, (_, i) => {
  const nodeId = `node-${String(i).padStart(4, '0')}`;
  return {
    nodeId,
    token: createToken(store, { nodeId, role: 'node', actor: 'bench', nowMs: Date.now() }).token,
  };
});
const reader = createToken(store, {
  nodeId: 'bench-reader',
  role: 'reader',
  actor: 'bench',
  nowMs: Date.now(),
}).token;
await store.close();

const port = await freePort();
const collector = await startCollectorProcess({
  dataDir,
  port,
  logLevel: 'error',
  config: JSON.stringify({ alerting: { evaluationInterval: `${EVAL_S}s` } }),
});
const pid = collector.child.pid as number;

const fleets: Array<{ child: ChildProcess; resultFile: string; exited: Promise<number | null> }> = [];
for (let p = 0; p < PROCS; p++) {
  const resultFile = join(dir, `fleet-${p}.json`);
  const specFile = join(dir, `fleet-${p}.spec.json`);
  const spec: LatencyFleetSpec = {
    mode: 'latency',
    collectorUrl: collector.url,
    dir: join(dir, 'agents'),
    nodes: nodes.filter((_, i) => i % PROCS === p),
    intervalMs: INTERVAL_MS,
    points: POINTS,
    // Up to --startup seconds for every node's first batch, then warm-up and the measured span.
    durationMs: (STARTUP_S + WARMUP + SECONDS) * 1000,
    backlogBatches: 0,
    drainTimeoutMs: 60_000,
    resultFile,
  };
  writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, [FLEET, specFile], { stdio: ['pipe', 'ignore', 'inherit'] });
  fleets.push({ child, resultFile, exited: new Promise((resolve) => child.once('exit', resolve)) });
}

const cookie = await consoleSessionCookie(collector.url, reader);

async function timed(path: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(`${collector.url}${path}`, { headers });
  const body = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return { ms: performance.now() - started, body };
}

// Measure only once every node is sending (1,000 spools take a while to open on a busy box).
const startupUntil = Date.now() + STARTUP_S * 1000;
let reporting = 0;
while (Date.now() < startupUntil) {
  const text = await (await fetch(`${collector.url}/metrics?nodes=false`)).text();
  reporting = text.match(new RegExp(`^${CollectorMetricNames.nodeLastSeen}\\{`, 'gm'))?.length ?? 0;
  if (reporting >= NODES) break;
  await sleep(1000);
}
if (reporting < NODES) console.log(`warning: only ${reporting} of ${NODES} nodes sent within ${STARTUP_S} s`);
await sleep(WARMUP * 1000);
const cpu: number[] = [];
const scrapeMs: number[] = [];
const scrapeKiB: number[] = [];
const alertS: number[] = [];
const pageMs: number[] = [];
let seriesLines = 0;
const measureUntil = Date.now() + SECONDS * 1000;
while (Date.now() < measureUntil) {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(EVERY_MS);
  cpu.push((cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000));
  const scrape = await timed('/metrics');
  scrapeMs.push(scrape.ms);
  scrapeKiB.push(Buffer.byteLength(scrape.body) / 1024);
  seriesLines = scrape.body.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
  const cycle = new RegExp(`^${CollectorMetricNames.alertsEvaluationSeconds} (\\S+)$`, 'm').exec(scrape.body);
  if (cycle) alertS.push(Number(cycle[1]));
  pageMs.push((await timed('/', { cookie })).ms);
}
await Promise.all(fleets.map((fleet) => fleet.exited));
const acks: number[] = [];
let notAcked = 0;
const measureFrom = measureUntil - SECONDS * 1000;
for (const fleet of fleets) {
  for (const node of JSON.parse(readFileSync(fleet.resultFile, 'utf8')) as LatencyFleetNodeResult[]) {
    node.sampledAtMs.forEach((sampled, i) => {
      if (sampled < measureFrom) return;
      const ack = node.ackedAtMs[i] ?? 0;
      if (ack > 0) acks.push(ack - sampled);
      else notAcked++;
    });
  }
}
acks.sort((a, b) => a - b);
const p99 = acks[Math.min(acks.length - 1, Math.floor(0.99 * acks.length))] ?? Number.NaN;
await collector.stop();
rmSync(dir, { recursive: true, force: true });

const fmt = (list: number[], digits = 0) => {
  const f = (v: number) => v.toFixed(digits);
  return list.length === 0 ? 'n/a' : `${f(median(list))} (${f(Math.min(...list))}–${f(Math.max(...list))})`;
};
/** Each figure beside its budget; `raise` says what lifts the limit when it is the first. */
const figures = [
  {
    name: 'ingest CPU (cores)',
    value: median(cpu),
    text: fmt(cpu, 2),
    budget: 0.8,
    why: 'one JavaScript thread serves every request',
    raise:
      'group commit and cheaper decode (issue 20 part 4); past that, another collector (deploy/scale-out)',
  },
  {
    name: '/metrics scrape (ms)',
    value: median(scrapeMs),
    text: `${fmt(scrapeMs)}; ${fmt(scrapeKiB)} KiB, ${seriesLines} lines`,
    budget: 10_000,
    why: 'deploy/prometheus/prometheus.yml scrape_timeout 10s',
    raise: 'scrape /metrics?nodes=false and take node series by remote write (deploy/scale-out)',
  },
  {
    name: 'alert cycle (ms)',
    value: median(alertS) * 1000,
    text: fmt(
      alertS.map((s) => s * 1000),
      0,
    ),
    budget: EVAL_S * 1000,
    why: `evaluation interval ${EVAL_S}s`,
    raise: 'a longer evaluation interval, or the shared ruler (vmalert / Mimir) owning the pack',
  },
  {
    name: 'fleet page (ms)',
    value: median(pageMs),
    text: fmt(pageMs),
    budget: 1_000,
    why: 'a page an operator waits on',
    raise: 'paging the fleet table, or Grafana on the shared TSDB for fleet-wide views',
  },
  {
    name: 'sample → ack p99 (ms)',
    value: p99,
    text: `${p99.toFixed(0)} over ${acks.length} batches, ${notAcked} not acked`,
    budget: 2_000,
    why: 'the latency target of bench/latency.ts',
    raise: 'the ingest CPU levers above',
  },
];
console.log(
  `fleet: ${NODES} nodes on one collector, ${POINTS} points every ${INTERVAL_MS / 1000} s (${((NODES * POINTS) / (INTERVAL_MS / 1000)).toFixed(0)} points/s), measured ${SECONDS} s every ${EVERY_MS / 1000} s after ${WARMUP} s warm-up`,
);
for (const figure of figures) {
  console.log(
    `  ${figure.name.padEnd(24)} ${figure.text.padEnd(44)} budget ${figure.budget} (${figure.why}): ${((100 * figure.value) / figure.budget).toFixed(0)}%`,
  );
}
const first = [...figures].sort((a, b) => b.value / b.budget - a.value / a.budget)[0];
if (first) {
  console.log(
    `first limit: ${first.name} at ${((100 * first.value) / first.budget).toFixed(0)}% of its budget; raise it by: ${first.raise}`,
  );
}
