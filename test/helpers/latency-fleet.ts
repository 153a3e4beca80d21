#!/usr/bin/env node
/**
 * A fleet of agent-like senders in ONE process, for the latency and catch-up benches
 * (bench/latency.ts). Like agent-fleet.ts, each node runs the agent's real durable path
 * (packages/agent spool + shipper: SQLite WAL with synchronous=FULL, one request in flight, delete
 * only after a 2xx) with the agent's default ship settings (gzip, 10 s timeout, backoff 500 ms →
 * 10 s, 2 s while the connection is refused, ±50 % jitter, idle poll 1 s, woken at once by an
 * append: `defaultBackoffPolicy`), fed with synthetic rounds instead
 * of samplers: a round is one protobuf metrics batch of `points` gauge points whose timestamp is
 * the moment it was "sampled" (Date.now() just before it is encoded and committed to the spool).
 *
 * Each node samples every `intervalMs`, the nodes spread evenly across the interval. The shipper's
 * spool.remove(seq) (called only after the collector's 2xx) is wrapped to record the ack time, so
 * each batch's latency is ack time − sample time, on this machine's clock.
 *
 * Modes:
 * - latency: sample for `durationMs`, then drain (up to `drainTimeoutMs`) and write the result.
 * - catch-up: first `backlogBatches` rounds are committed to every spool at once, their sample times
 *   spread `intervalMs` apart ending now (what an outage of backlogBatches × intervalMs leaves),
 *   then the shippers start against a collector that is down and live sampling goes on. The
 *   process prints `READY` on stdout; when the driver writes `UP <epoch ms>` on stdin (the moment
 *   the collector answered /readyz), it waits until every batch committed before that moment is
 *   acknowledged, stops sampling, drains and writes the result.
 * - live: the nodes that had no outage while the catch-up nodes drain. Nothing is in the spools;
 *   the process prints `READY`, starts sampling only when `UP <epoch ms>` arrives on stdin (so no
 *   batch of it waited out the outage), and goes on until `STOP` arrives; then it drains and writes
 *   the result.
 *
 * Usage: node latency-fleet.ts SPEC.json   (spec: LatencyFleetSpec)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createTimerSleeper, defaultBackoffPolicy, type Shipper } from '@perimeter/agent';
import { OtlpTypes } from '@perimeter/collector';
import { drainFleet } from './fleet-drain.ts';
import { openFleetSpool, startFleetShipper } from './fleet-node.ts';
import { temperatureRound } from './synthetic-round.ts';

export interface LatencyFleetSpec {
  mode: 'latency' | 'catch-up' | 'live';
  collectorUrl: string;
  dir: string;
  nodes: Array<{ nodeId: string; token: string }>;
  intervalMs: number;
  points: number;
  /** latency: how long to sample. */
  durationMs: number;
  /** catch-up: rounds already in every spool when the shippers start. */
  backlogBatches: number;
  drainTimeoutMs: number;
  resultFile: string;
}

export interface LatencyFleetNodeResult {
  nodeId: string;
  streamId: string;
  /** Per spool seq (index = seq − 1): sample time and ack time (epoch ms; ack 0 = not acked). */
  sampledAtMs: number[];
  ackedAtMs: number[];
  /** catch-up: the batches committed before the collector came up, and when the last of them was acked. */
  backlogSeqs: number;
  backlogDrainedAtMs: number;
  firstAckAtMs: number;
  left: number;
  retries: number;
  deadLetters: number;
}

export function roundBody(nodeId: string, sampledAtMs: number, points: number): Uint8Array {
  const message = temperatureRound({
    nodeId,
    timeMs: sampledAtMs,
    points,
    scope: 'latency-fleet',
    hostName: true,
  });
  const type = OtlpTypes.metricsRequest;
  return type.encode(type.fromObject(message)).finish();
}

async function main(specFile: string): Promise<number> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as LatencyFleetSpec;
  const { sleep } = createTimerSleeper();
  const abort = new AbortController();
  const nodes = spec.nodes.map(({ nodeId, token }) => {
    const spool = openFleetSpool(spec.dir, nodeId);
    const node = {
      nodeId,
      token,
      spool,
      sampledAtMs: [] as number[],
      ackedAtMs: [] as number[],
      backlogSeqs: 0,
      backlogDrainedAtMs: 0,
      firstAckAtMs: 0,
      shipper: undefined as Shipper | undefined,
      running: undefined as Promise<void> | undefined,
    };
    return node;
  });
  type FleetNode = (typeof nodes)[number];

  const sample = (node: FleetNode, atMs: number) => {
    const seq = node.spool.append('metrics', roundBody(node.nodeId, atMs, spec.points));
    node.sampledAtMs[seq - 1] = atMs;
    node.ackedAtMs[seq - 1] = 0;
  };
  const startShipper = (node: FleetNode) => {
    const started = startFleetShipper({
      spool: node.spool,
      onAck: (seq) => {
        const now = Date.now();
        node.ackedAtMs[seq - 1] = now;
        if (node.firstAckAtMs === 0) node.firstAckAtMs = now;
      },
      collectorUrl: spec.collectorUrl,
      token: node.token,
      sleep,
      signal: abort.signal,
      tuning: { timeoutMs: 10_000, backoff: defaultBackoffPolicy },
    });
    node.shipper = started.shipper;
    node.running = started.running;
  };

  if (spec.mode === 'catch-up') {
    const now = Date.now();
    for (const node of nodes) {
      for (let n = spec.backlogBatches; n >= 1; n--) {
        sample(node, now - n * spec.intervalMs);
      }
    }
  }
  for (const node of nodes) startShipper(node);

  // Live sampling: node i samples at its own phase of the interval, until `producing` is false.
  let producing = true;
  const sampleFrom = (began: number) =>
    nodes.map(async (node, index) => {
      let due = began + (index * spec.intervalMs) / nodes.length;
      while (producing) {
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        if (!producing) break;
        sample(node, Date.now());
        due += spec.intervalMs;
      }
    });
  // The driver's commands on stdin (catch-up and live): `UP <epoch ms>`, then for live `STOP`.
  const commands = spec.mode === 'latency' ? undefined : createInterface({ input: process.stdin });
  const command = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve) => {
      const onLine = (line: string) => {
        const match = pattern.exec(line);
        if (match) {
          commands?.off('line', onLine);
          resolve(match);
        }
      };
      commands?.on('line', onLine);
    });

  let samplers: Array<Promise<void>>;
  if (spec.mode === 'latency') {
    samplers = sampleFrom(Date.now());
    await sleep(spec.durationMs);
  } else if (spec.mode === 'live') {
    process.stdout.write('READY\n');
    const up = await command(/^UP (\d+)/);
    samplers = sampleFrom(Math.max(Date.now(), Number(up[1])));
    await command(/^STOP/);
  } else {
    samplers = sampleFrom(Date.now());
    process.stdout.write('READY\n');
    const upAtMs = Number((await command(/^UP (\d+)/))[1]);
    for (const node of nodes) {
      node.backlogSeqs = node.sampledAtMs.filter((t) => t <= upAtMs).length;
    }
    const deadline = Date.now() + spec.drainTimeoutMs;
    while (Date.now() < deadline) {
      const pending = nodes.some((node) => node.ackedAtMs.slice(0, node.backlogSeqs).some((t) => t === 0));
      if (!pending) break;
      await sleep(50);
    }
    for (const node of nodes) {
      const acks = node.ackedAtMs.slice(0, node.backlogSeqs);
      node.backlogDrainedAtMs = acks.every((t) => t > 0) ? Math.max(...acks) : 0;
    }
  }
  commands?.close();
  producing = false;
  await Promise.all(samplers);

  const finalStats = await drainFleet(nodes, { abort, timeoutMs: spec.drainTimeoutMs, pollMs: 100 });
  const results: LatencyFleetNodeResult[] = nodes.map((node, index) => {
    const stats = finalStats[index] as (typeof finalStats)[number];
    return {
      nodeId: node.nodeId,
      streamId: node.spool.streamId,
      sampledAtMs: node.sampledAtMs,
      ackedAtMs: node.ackedAtMs,
      backlogSeqs: node.backlogSeqs,
      backlogDrainedAtMs: node.backlogDrainedAtMs,
      firstAckAtMs: node.firstAckAtMs,
      left: stats.batches,
      retries: node.shipper?.stats().retries ?? 0,
      deadLetters: stats.deadLetters,
    };
  });
  writeFileSync(spec.resultFile, JSON.stringify(results));
  return results.every((result) => result.left === 0) ? 0 : 3;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv[2] as string).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`latency-fleet: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
