#!/usr/bin/env node
/**
 * Sample → durable latency with 100 agents, and agent → collector catch-up after an outage, against
 * one real `perimeter-collector serve` process on loopback. The agents are
 * test/helpers/latency-fleet.ts processes (--procs of them, the nodes split between them), each
 * node running the agent's real spool + shipper with the agent's default ship settings, fed with
 * synthetic rounds of --points gauge points (protobuf, gzip on the wire).
 *
 * latency   every node samples every --interval (default 1 s: ten times the agent's default rate,
 *           so 100 nodes send 100 batches/s) for --seconds per run. Latency of a batch = the time
 *           its shipper received the collector's 2xx (the collector answers after its commit) −
 *           the batch's sample time (its data timestamp, taken just before it is committed to the
 *           spool). Cross-check: the collector's stored row (batches.received_at_ms, set when the
 *           request was received, before the commit) − the sample time. p50, p99 and max over all
 *           batches of a run sampled after the first --warmup seconds (default 5: process start,
 *           JIT and 100 spool opens); median (min–max) over --runs. Target p99 ≤ 2 s.
 * catch-up  the collector is down for --outage-minutes: every spool already holds the rounds of
 *           that outage at the agent's default 10 s interval except the last --live-outage seconds,
 *           which run live with the shippers failing and backing off (agent defaults: 500 ms ×1.5
 *           up to 10 s, up to 2 s while the connection is refused, as here) and sampling going on. Then the collector starts on the same port; drain =
 *           from /readyz answering until every batch sampled before it is acknowledged.
 *           × real time = outage seconds / drain seconds. Target ≥ 60× (issue 20).
 *           Live nodes during the drain: --live-nodes more nodes (default 10, `live-N`, their own
 *           latency-fleet process in mode `live`) had no outage: their spools are empty and they
 *           sample every --interval (default 1 s) from the moment the collector answered /readyz,
 *           shipping as agents do, until the drain is over. Printed per run (`live: …`) and as the
 *           line `live nodes during catch-up`: sample → 2xx p50 / p99 / max over the live batches
 *           sampled between /readyz and the last backlog ack (acknowledged whenever), their count,
 *           and how many were never acknowledged; then p99 / max / count over the subset sampled
 *           while some backlogged node was transferring (its first ack to its last backlog ack: the
 *           drain also holds the shippers' backoff wait, when the collector is idle; NaN when no
 *           live batch fell in a transfer); median (min–max) over --runs. Starvation shows as
 *           a live p99 far above the latency section's (same nodes' path, no drain going on).
 *           --live-nodes 0 leaves them out.
 *
 *   node bench/latency.ts [--runs 5] [--nodes 100] [--procs 2] [--points 200] [--seconds 30]
 *                         [--interval 1000] [--outage-minutes 10] [--live-outage 60]
 *                         [--live-nodes 10] [--only latency|catch-up]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createToken, openStore } from '@perimeter/collector';
import { type CollectorProcess, startCollectorProcess } from '../test/helpers/collector-process.ts';
import type { LatencyFleetNodeResult, LatencyFleetSpec } from '../test/helpers/latency-fleet.ts';
import { cpuSeconds, freePort, median, REPO_ROOT, rssBytes } from '../test/helpers/processes.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    nodes: { type: 'string', default: '100' },
    procs: { type: 'string', default: '2' },
    points: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    interval: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '5' },
    'outage-minutes': { type: 'string', default: '10' },
    'live-outage': { type: 'string', default: '60' },
    'catch-up-interval': { type: 'string', default: '10000' },
    'live-nodes': { type: 'string', default: '10' },
    only: { type: 'string', default: '' },
  },
});
const RUNS = Number(values.runs);
const NODES = Number(values.nodes);
const PROCS = Math.min(Number(values.procs), NODES);
const POINTS = Number(values.points);
const LIVE_NODES = Number(values['live-nodes']);
const FLEET = join(REPO_ROOT, 'test', 'helpers', 'latency-fleet.ts');

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

const fmt = (list: number[], digits = 0) => {
  const f = (v: number) =>
    v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(median(list))} (${f(Math.min(...list))}–${f(Math.max(...list))})`;
};

interface Setup {
  dir: string;
  dataDir: string;
  port: number;
  nodes: FleetNodeSpec[];
  /** catch-up: the --live-nodes that had no outage, sampling while the others drain. */
  liveNodes: FleetNodeSpec[];
}

type FleetNodeSpec = LatencyFleetSpec['nodes'][number];

async function setUp(name: string, liveNodes = 0): Promise<Setup> {
  const dir = join(tmpdir(), `perimeter-bench-${name}-${process.pid}-${Date.now()}`);
  const dataDir = join(dir, 'collector');
  mkdirSync(dataDir, { recursive: true });
  // Tokens straight into the store before serve starts (100 CLI processes would take a minute).
  const store = openStore({ dataDir });
  const tokensFor = (prefix: string, count: number): FleetNodeSpec[] =>
    Array.from({ length: count }, (_, i) => {
      const nodeId = `${prefix}-${i}`;
      return {
        nodeId,
        token: createToken(store, { nodeId, role: 'node', actor: 'bench', nowMs: Date.now() }).token,
      };
    });
  const nodes = tokensFor('node', NODES);
  const live = tokensFor('live', liveNodes);
  await store.close();
  return { dir, dataDir, port: await freePort(), nodes, liveNodes: live };
}

interface Fleet {
  child: ChildProcess;
  resultFile: string;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

/** `nodes` split over `procs` latency-fleet processes, named `name`-p in the run's directory. */
function startFleets(
  setup: Setup,
  spec: Omit<LatencyFleetSpec, 'collectorUrl' | 'dir' | 'nodes' | 'resultFile'>,
  fleetNodes: FleetNodeSpec[] = setup.nodes,
  procs = PROCS,
  name = 'fleet',
): Fleet[] {
  return Array.from({ length: procs }, (_, p) => {
    const nodes = fleetNodes.filter((_, i) => i % procs === p);
    const resultFile = join(setup.dir, `${name}-${p}.json`);
    const specFile = join(setup.dir, `${name}-${p}.spec.json`);
    const full: LatencyFleetSpec = {
      ...spec,
      collectorUrl: `http://127.0.0.1:${setup.port}`,
      dir: join(setup.dir, 'agents'),
      nodes,
      resultFile,
    };
    writeFileSync(specFile, JSON.stringify(full));
    const child = spawn(process.execPath, [FLEET, specFile], { stdio: ['pipe', 'pipe', 'inherit'] });
    const ready = new Promise<void>((resolve) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        if (line === 'READY') resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, resultFile, ready, exited };
  });
}

const readResults = (fleets: Fleet[]) =>
  fleets.flatMap((f) => JSON.parse(readFileSync(f.resultFile, 'utf8')) as LatencyFleetNodeResult[]);

async function finish(setup: Setup, collector: CollectorProcess | undefined) {
  await collector?.stop();
  rmSync(setup.dir, { recursive: true, force: true });
}

async function latencyRun() {
  const setup = await setUp('latency');
  const collector = await startCollectorProcess({
    dataDir: setup.dataDir,
    port: setup.port,
    logLevel: 'error',
  });
  const pid = collector.child.pid as number;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const measureFromMs = Date.now() + warmup * 1000;
  const fleets = startFleets(setup, {
    mode: 'latency',
    intervalMs: Number(values.interval),
    points: POINTS,
    durationMs: (seconds + warmup) * 1000,
    backlogBatches: 0,
    drainTimeoutMs: 60_000,
  });
  let peakRss = 0;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, rssBytes(pid));
  }, 1000);
  const codes = await Promise.all(fleets.map((f) => f.exited));
  clearInterval(timer);
  const collectorCores = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
  const results = readResults(fleets);
  const rows = collector.query<{ stream_id: string; seq: number; received_at_ms: number }>(
    "SELECT stream_id, seq, received_at_ms FROM batches WHERE signal = 'metrics'",
  );
  await finish(setup, collector);

  const acked: number[] = [];
  let lost = 0;
  let sent = 0;
  let warm = 0;
  for (const node of results) {
    node.sampledAtMs.forEach((sampled, i) => {
      if (sampled < measureFromMs) {
        warm++;
        return;
      }
      sent++;
      const ack = node.ackedAtMs[i] ?? 0;
      if (ack > 0) acked.push(ack - sampled);
      else lost++;
    });
  }
  const sampled = new Map(results.map((node) => [node.streamId, node.sampledAtMs]));
  const stored = rows
    .map((row) => row.received_at_ms - (sampled.get(row.stream_id)?.[row.seq - 1] ?? Number.NaN))
    .filter(
      (_, i) => (sampled.get(rows[i]?.stream_id ?? '')?.[(rows[i]?.seq ?? 0) - 1] ?? 0) >= measureFromMs,
    );
  acked.sort((a, b) => a - b);
  stored.sort((a, b) => a - b);
  return {
    batches: sent,
    warmupBatches: warm,
    notAcked: lost,
    storedRows: rows.length,
    p50: quantile(acked, 0.5),
    p99: quantile(acked, 0.99),
    max: acked[acked.length - 1] ?? Number.NaN,
    storedP50: quantile(stored, 0.5),
    storedP99: quantile(stored, 0.99),
    collectorCores,
    collectorRssMiB: peakRss / 2 ** 20,
    retries: results.reduce((n, r) => n + r.retries, 0),
    fleetExit: codes.filter((c) => c !== 0).length,
  };
}

async function catchUpRun() {
  const setup = await setUp('catch-up', LIVE_NODES);
  const intervalMs = Number(values['catch-up-interval']);
  const liveSeconds = Number(values['live-outage']);
  const outageSeconds = Number(values['outage-minutes']) * 60;
  const backlogBatches = Math.round((outageSeconds - liveSeconds) / (intervalMs / 1000));
  // Nothing listens on the port yet: every attempt is a connection refused, retried with backoff.
  const fleets = startFleets(setup, {
    mode: 'catch-up',
    intervalMs,
    points: POINTS,
    durationMs: 0,
    backlogBatches,
    drainTimeoutMs: 300_000,
  });
  // The live nodes: one more process, its spools empty, sampling from the moment the collector is up.
  const live =
    LIVE_NODES > 0
      ? startFleets(
          setup,
          {
            mode: 'live',
            intervalMs: Number(values.interval),
            points: POINTS,
            durationMs: 0,
            backlogBatches: 0,
            drainTimeoutMs: 60_000,
          },
          setup.liveNodes,
          1,
          'live',
        )
      : [];
  await Promise.all([...fleets, ...live].map((f) => f.ready));
  await new Promise((resolve) => setTimeout(resolve, liveSeconds * 1000));
  const collector = await startCollectorProcess({
    dataDir: setup.dataDir,
    port: setup.port,
    logLevel: 'error',
  });
  const upAtMs = Date.now();
  const pid = collector.child.pid as number;
  const cpu0 = cpuSeconds(pid);
  for (const f of [...fleets, ...live]) f.child.stdin?.write(`UP ${upAtMs}\n`);
  const codes = await Promise.all(fleets.map((f) => f.exited));
  const fleetsExitedAtMs = Date.now();
  for (const f of live) f.child.stdin?.write('STOP\n');
  codes.push(...(await Promise.all(live.map((f) => f.exited))));
  const results = readResults(fleets);
  const drainedAt = Math.max(...results.map((r) => r.backlogDrainedAtMs));
  const notDrained = results.filter((r) => r.backlogDrainedAtMs === 0).length;
  // Live batches sampled while the drain ran (to the last backlog ack; to the fleets' exit if some
  // node never drained), acknowledged whenever.
  const drainEndMs = notDrained === 0 ? drainedAt : fleetsExitedAtMs;
  // Much of the drain can be the shippers' backoff wait with the collector idle; the sharper figure
  // is over the live batches sampled while some backlogged node was transferring (from its first
  // ack to its last backlog ack).
  const transfers = results
    .filter((r) => r.firstAckAtMs > 0)
    .map((r) => [r.firstAckAtMs, r.backlogDrainedAtMs || drainEndMs] as const);
  const liveAcked: number[] = [];
  const liveInTransfer: number[] = [];
  let liveNotAcked = 0;
  for (const node of readResults(live)) {
    node.sampledAtMs.forEach((sampled, i) => {
      if (sampled < upAtMs || sampled > drainEndMs) return;
      const ack = node.ackedAtMs[i] ?? 0;
      if (ack === 0) {
        liveNotAcked++;
        return;
      }
      liveAcked.push(ack - sampled);
      if (transfers.some(([from, to]) => sampled >= from && sampled <= to)) {
        liveInTransfer.push(ack - sampled);
      }
    });
  }
  liveAcked.sort((a, b) => a - b);
  liveInTransfer.sort((a, b) => a - b);
  const drainSeconds = (drainedAt - upAtMs) / 1000;
  const collectorCores = (cpuSeconds(pid) - cpu0) / ((Date.now() - upAtMs) / 1000);
  const firstAcks = results.map((r) => (r.firstAckAtMs - upAtMs) / 1000).sort((a, b) => a - b);
  const backlog = results.reduce((n, r) => n + r.backlogSeqs, 0);
  const stored = collector.query<{ n: number }>(
    "SELECT count(*) AS n FROM batches WHERE signal = 'metrics'",
  )[0]?.n;
  await finish(setup, collector);
  return {
    backlogBatches: backlog,
    prefilled: backlogBatches,
    drainSeconds,
    times: outageSeconds / drainSeconds,
    firstAckMedian: quantile(firstAcks, 0.5),
    firstAckMax: firstAcks[firstAcks.length - 1] ?? Number.NaN,
    // The shippers' own backoff wait is part of the drain; without it (each node from its own
    // first ack to its last backlog ack), the pace of the transfer itself:
    transferSeconds: Math.max(...results.map((r) => (r.backlogDrainedAtMs - r.firstAckAtMs) / 1000)),
    batchesPerSecond: backlog / drainSeconds,
    collectorCores,
    notDrained,
    stored: stored ?? 0,
    liveBatches: liveAcked.length + liveNotAcked,
    liveNotAcked,
    liveP50: quantile(liveAcked, 0.5),
    liveP99: quantile(liveAcked, 0.99),
    liveMax: liveAcked[liveAcked.length - 1] ?? Number.NaN,
    liveTransferBatches: liveInTransfer.length,
    liveTransferP99: quantile(liveInTransfer, 0.99),
    liveTransferMax: liveInTransfer[liveInTransfer.length - 1] ?? Number.NaN,
    fleetExit: codes.filter((c) => c !== 0).length,
  };
}

const only = values.only;
if (only === '' || only === 'latency') {
  console.log(
    `sample → durable latency: ${NODES} agent-like senders in ${PROCS} processes (real spool + shipper, agent ship defaults), one round of ${POINTS} points per node every ${values.interval} ms, ${values.seconds} s per run after a ${values.warmup} s warm-up, ${RUNS} runs, one real collector, fresh stores per run`,
  );
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await latencyRun();
    runs.push(r);
    console.log(
      `  run ${i + 1}: ${r.batches} batches (+${r.warmupBatches} in the warm-up, not counted), p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; stored-row p50 ${r.storedP50} / p99 ${r.storedP99} ms; not acked ${r.notAcked}; collector ${r.collectorCores.toFixed(2)} cores`,
    );
  }
  console.log(
    [
      'latency (sample → collector 2xx after commit)',
      `p50 ms ${fmt(runs.map((r) => r.p50))}`,
      `p99 ms ${fmt(runs.map((r) => r.p99))}`,
      `max ms ${fmt(runs.map((r) => r.max))}`,
    ].join(' | '),
  );
  console.log(
    [
      'cross-check (sample → batches.received_at_ms)',
      `p50 ms ${fmt(runs.map((r) => r.storedP50))}`,
      `p99 ms ${fmt(runs.map((r) => r.storedP99))}`,
      `batches per run ${fmt(runs.map((r) => r.batches))}`,
      `stored rows ${fmt(runs.map((r) => r.storedRows))}`,
      `not acked ${runs.reduce((n, r) => n + r.notAcked, 0)}`,
      `retries ${runs.reduce((n, r) => n + r.retries, 0)}`,
      `collector cores ${fmt(
        runs.map((r) => r.collectorCores),
        2,
      )}`,
      `collector peak RSS MiB ${fmt(runs.map((r) => r.collectorRssMiB))}`,
    ].join(' | '),
  );
  const p99 = median(runs.map((r) => r.p99));
  console.log(`target p99 ≤ 2,000 ms: ${p99} ms → ${p99 <= 2000 ? 'PASS' : 'MISS'}`);
}
if (only === '' || only === 'catch-up') {
  console.log(
    `agent → collector catch-up: ${NODES} agent-like senders in ${PROCS} processes, collector down ${values['outage-minutes']} min (all but the last ${values['live-outage']} s prefilled into the spools at a ${values['catch-up-interval']} ms interval, the last ${values['live-outage']} s live with the shippers backing off), ${POINTS} points per round; ${LIVE_NODES} live nodes without an outage in one more process, sampling every ${values.interval} ms from the collector's start; ${RUNS} runs`,
  );
  const outageSecondsAll = Number(values['outage-minutes']) * 60;
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await catchUpRun();
    runs.push(r);
    console.log(
      `  run ${i + 1}: ${r.backlogBatches} backlog batches, drained in ${r.drainSeconds.toFixed(2)} s (${r.times.toFixed(1)}×), first ack after ${r.firstAckMedian.toFixed(2)} s median / ${r.firstAckMax.toFixed(2)} s max, longest transfer ${r.transferSeconds.toFixed(2)} s, collector ${r.collectorCores.toFixed(2)} cores, not drained ${r.notDrained}, stored ${r.stored}`,
    );
    if (LIVE_NODES > 0) {
      console.log(
        `         live: ${r.liveBatches} batches sampled during the drain, p50 ${r.liveP50} ms, p99 ${r.liveP99} ms, max ${r.liveMax} ms, not acked ${r.liveNotAcked}; of them ${r.liveTransferBatches} sampled while a backlog was transferring: p99 ${r.liveTransferP99} ms, max ${r.liveTransferMax} ms`,
      );
    }
  }
  console.log(
    [
      'catch-up',
      `backlog batches ${fmt(runs.map((r) => r.backlogBatches))}`,
      `drain s ${fmt(
        runs.map((r) => r.drainSeconds),
        2,
      )}`,
      `× real time ${fmt(
        runs.map((r) => r.times),
        1,
      )}`,
      `first ack after s (median node) ${fmt(
        runs.map((r) => r.firstAckMedian),
        2,
      )}`,
      `longest node transfer after its first ack s ${fmt(
        runs.map((r) => r.transferSeconds),
        2,
      )}`,
      `× real time without the backoff wait ${fmt(
        runs.map((r) => outageSecondsAll / r.transferSeconds),
        1,
      )}`,
      `batches/s ${fmt(runs.map((r) => r.batchesPerSecond))}`,
      `collector cores ${fmt(
        runs.map((r) => r.collectorCores),
        2,
      )}`,
      `not drained ${runs.reduce((n, r) => n + r.notDrained, 0)}`,
    ].join(' | '),
  );
  if (LIVE_NODES > 0) {
    console.log(
      [
        `live nodes during catch-up (${LIVE_NODES} nodes, sample → collector 2xx, batches sampled while the drain ran)`,
        `p50 ms ${fmt(runs.map((r) => r.liveP50))}`,
        `p99 ms ${fmt(runs.map((r) => r.liveP99))}`,
        `max ms ${fmt(runs.map((r) => r.liveMax))}`,
        `batches per run ${fmt(runs.map((r) => r.liveBatches))}`,
        `not acked ${runs.reduce((n, r) => n + r.liveNotAcked, 0)}`,
        `while a backlog was transferring: p99 ms ${fmt(runs.map((r) => r.liveTransferP99))}`,
        `max ms ${fmt(runs.map((r) => r.liveTransferMax))}`,
        `batches per run ${fmt(runs.map((r) => r.liveTransferBatches))}`,
      ].join(' | '),
    );
  }
  const times = median(runs.map((r) => r.times));
  console.log(`target ≥ 60× real time: ${times.toFixed(1)}× → ${times >= 60 ? 'PASS' : 'MISS'}`);
}
