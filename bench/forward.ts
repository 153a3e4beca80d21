#!/usr/bin/env node
/**
 * Forward: how fast a real `perimeter-collector serve` process drains its store to an OTLP/HTTP
 * upstream on loopback (test/helpers/upstream-server.ts, a separate process that decodes every
 * request and records each resource before it answers 200), and how fast it catches up after an
 * upstream outage.
 *
 * Each run: a fresh data directory and one token per simulated node; the collector's otlp sink
 * points at a loopback port where nothing listens yet (an upstream that is down: every attempt is a
 * connection refused, retried with backoff capped at 100 ms). The backlog is ingested over HTTP as
 * the agents would send it, then the upstream is started on that port and the drain is timed from
 * the moment it listens until it has recorded every batch.
 *
 *   throughput  NODES_T nodes × BATCHES_T batches × 1,000 points: forward data points/s.
 *   catch-up    100 nodes × 60 batches (10 minutes at a 10 s interval) × --points points per
 *               batch: drain seconds, and the backlog's 600 s of real time as a multiple of it.
 *
 * Sink settings are the config defaults (protobuf + gzip, 64 batches / 4 MiB per request,
 * concurrency 4) except the retry interval. Prints median (min–max) of --runs; no assertions.
 *
 *   node bench/forward.ts [--runs 3] [--points 200] [--encoding protobuf|json]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createToken, openStore } from '@perimeter/collector';
import { startCollectorProcess } from '../test/helpers/collector-process.ts';
import { cpuSeconds, freePort, median } from '../test/helpers/processes.ts';
import { temperatureRound } from '../test/helpers/synthetic-round.ts';
import { startUpstream } from '../test/helpers/upstream-process.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    points: { type: 'string', default: '200' },
    encoding: { type: 'string', default: 'protobuf' },
    'throughput-nodes': { type: 'string', default: '8' },
    'throughput-batches': { type: 'string', default: '100' },
  },
});
const RUNS = Number(values.runs);
const ENCODING = values.encoding as 'protobuf' | 'json';
const BACKLOG_SECONDS = 600;
const INTERVAL_SECONDS = 10;

function body(nodeId: string, timeMs: number, points: number): string {
  return JSON.stringify(temperatureRound({ nodeId, timeMs, points }));
}

interface Scenario {
  nodes: number;
  batches: number;
  points: number;
}

async function oneRun({ nodes, batches, points }: Scenario) {
  const port = await freePort();
  const dataDir = join(tmpdir(), `perimeter-bench-forward-${process.pid}-${Date.now()}`);
  const configFile = `${dataDir}.yaml`;
  writeFileSync(
    configFile,
    JSON.stringify({
      forward: [
        {
          type: 'otlp',
          name: 'bench',
          endpoint: `http://127.0.0.1:${port}`,
          encoding: ENCODING,
          retry: { initialInterval: '50ms', maxInterval: '100ms' },
        },
      ],
      // No pruning during the run.
      storage: { retention: 0 },
    }),
  );
  // Tokens straight into the store before serve starts (100 CLI processes would take a minute).
  const store = openStore({ dataDir });
  const tokens = Array.from(
    { length: nodes },
    (_, i) =>
      createToken(store, { nodeId: `node-${i}`, role: 'node', actor: 'bench', nowMs: Date.now() }).token,
  );
  await store.close();
  process.env.PERIMETER_CONFIG = configFile;
  const collector = await startCollectorProcess({ dataDir, logLevel: 'error' });
  delete process.env.PERIMETER_CONFIG;

  // Ingest the backlog: every node sends its batches in order, nodes in parallel (8 in flight).
  const start = Date.now() - BACKLOG_SECONDS * 1000;
  let next = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, nodes) }, async () => {
      for (let node = next++; node < nodes; node = next++) {
        for (let seq = 1; seq <= batches; seq++) {
          const response = await fetch(`${collector.url}/v1/metrics`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${tokens[node]}`,
              'x-perimeter-stream': `stream-${node}`,
              'x-perimeter-seq': String(seq),
            },
            body: body(`node-${node}`, start + seq * INTERVAL_SECONDS * 1000, points),
          });
          await response.arrayBuffer();
          if (!response.ok) {
            refused++;
          }
        }
      }
    }),
  );
  const total = nodes * batches;
  const collectorPid = collector.child.pid as number;

  // The upstream comes back: time the drain from the moment it listens until it holds every batch
  // (the sink's next retry is at most 100 ms away, and counts).
  const upstream = await startUpstream({ port });
  const upstreamPid = upstream.child.pid as number;
  const cpuBefore = cpuSeconds(collectorPid);
  const upstreamCpuBefore = cpuSeconds(upstreamPid);
  const began = performance.now();
  while ((await upstream.stored()) < total - refused) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const drainSeconds = (performance.now() - began) / 1000;
  const collectorCores = (cpuSeconds(collectorPid) - cpuBefore) / drainSeconds;
  const upstreamCores = (cpuSeconds(upstreamPid) - upstreamCpuBefore) / drainSeconds;
  await collector.stop();
  await upstream.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(configFile, { force: true });
  return {
    drainSeconds,
    pointsPerSecond: ((total - refused) * points) / drainSeconds,
    batchesPerSecond: (total - refused) / drainSeconds,
    collectorCores,
    upstreamCores,
    refused,
  };
}

const fmt = (list: number[], digits = 0) => {
  const f = (v: number) =>
    v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(median(list))} (${f(Math.min(...list))}–${f(Math.max(...list))})`;
};

async function runs(scenario: Scenario) {
  const results = [];
  for (let i = 0; i < RUNS; i++) {
    results.push(await oneRun(scenario));
  }
  return results;
}

console.log(
  `collector forward to a loopback OTLP upstream (${ENCODING} + gzip, decoded by a separate process): ${RUNS} runs, fresh store per run`,
);

const throughputScenario = {
  nodes: Number(values['throughput-nodes']),
  batches: Number(values['throughput-batches']),
  points: 1000,
};
const throughput = await runs(throughputScenario);
console.log(
  [
    `throughput: ${throughputScenario.nodes} nodes × ${throughputScenario.batches} batches × 1,000 points`,
    `points/s ${fmt(throughput.map((r) => r.pointsPerSecond))}`,
    `batches/s ${fmt(throughput.map((r) => r.batchesPerSecond))}`,
    `collector cores ${fmt(
      throughput.map((r) => r.collectorCores),
      2,
    )}`,
    `upstream cores ${fmt(
      throughput.map((r) => r.upstreamCores),
      2,
    )}`,
    `ingest non-2xx ${throughput.reduce((n, r) => n + r.refused, 0)}`,
  ].join(' | '),
);

const catchUpScenario = {
  nodes: 100,
  batches: BACKLOG_SECONDS / INTERVAL_SECONDS,
  points: Number(values.points),
};
const catchUp = await runs(catchUpScenario);
console.log(
  [
    `catch-up: 10-minute backlog, 100 nodes × 60 batches × ${catchUpScenario.points} points`,
    `drain s ${fmt(
      catchUp.map((r) => r.drainSeconds),
      2,
    )}`,
    `× real time ${fmt(catchUp.map((r) => BACKLOG_SECONDS / r.drainSeconds))}`,
    `points/s ${fmt(catchUp.map((r) => r.pointsPerSecond))}`,
    `collector cores ${fmt(
      catchUp.map((r) => r.collectorCores),
      2,
    )}`,
    `upstream cores ${fmt(
      catchUp.map((r) => r.upstreamCores),
      2,
    )}`,
    `ingest non-2xx ${catchUp.reduce((n, r) => n + r.refused, 0)}`,
  ].join(' | '),
);
