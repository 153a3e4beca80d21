#!/usr/bin/env node
/**
 * A fleet of simulated agents in ONE process, for chaos scenarios on a 2-core machine: each node
 * runs the agent's real durable path (packages/agent spool + shipper: SQLite WAL with
 * synchronous=FULL, stream id, AUTOINCREMENT seq, retry with backoff, delete only after a 2xx),
 * fed with synthetic batches instead of samplers. Every batch is identifiable: batch n of a node
 * is spool seq n, a metrics batch holds POINTS gauge points `chaos.value{hw.id=s<i>}` at data time
 * t0 + n·1000 ms with value n, and every LOGS_EVERY-th batch is a logs batch holding one
 * `auth.login` event with attribute `chaos.seq` = n.
 *
 * It produces for `durationMs`, then stops producing and drains (waits until every spool is
 * empty, up to `drainTimeoutMs`), then writes a JSON result: per node the seqs it appended, the
 * seqs the collector acknowledged with a 2xx (the shipper's `remove` calls, recorded by a wrapper
 * around the spool), dead letters and spool drops. Exits 0 when drained, 3 when not.
 * Usage: node agent-fleet.ts SPEC.json   (spec: FleetSpec)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createTimerSleeper, defaultBackoffPolicy } from '@perimeter/agent';
import { OtlpTypes } from '@perimeter/collector';
import { drainFleet } from './fleet-drain.ts';
import { openFleetSpool, startFleetShipper } from './fleet-node.ts';

export interface FleetSpec {
  collectorUrl: string;
  dir: string;
  nodes: Array<{ nodeId: string; token: string }>;
  t0Ms: number;
  intervalMs: number;
  durationMs: number;
  drainTimeoutMs: number;
  points: number;
  logsEvery: number;
  resultFile: string;
}

export interface FleetNodeResult {
  nodeId: string;
  streamId: string;
  appended: number[];
  metricsSeqs: number[];
  logsSeqs: number[];
  acked: number[];
  left: number;
  deadLetters: number;
  droppedBatches: number;
  retries: number;
}

export const FLEET_METRIC = 'chaos.value';
export const FLEET_EVENT_SEQ_ATTR = 'chaos.seq';

const kv = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'string' ? { stringValue: value } : { intValue: value },
});

export function fleetBatch(
  spec: Pick<FleetSpec, 't0Ms' | 'points' | 'logsEvery'>,
  nodeId: string,
  n: number,
): { signal: 'metrics' | 'logs'; body: Uint8Array } {
  const timeUnixNano = `${BigInt(spec.t0Ms + n * 1000) * 1_000_000n}`;
  const resource = { attributes: [kv('perimeter.node.id', nodeId), kv('host.name', nodeId)] };
  if (n % spec.logsEvery === 0) {
    const message = {
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            {
              scope: { name: 'chaos-fleet' },
              logRecords: [
                {
                  timeUnixNano,
                  severityNumber: 13,
                  body: { stringValue: `Failed password for chaos from ${nodeId} #${n}` },
                  attributes: [
                    kv('event.name', 'auth.login'),
                    kv('auth.outcome', 'failure'),
                    kv('auth.method', 'ssh'),
                    kv(FLEET_EVENT_SEQ_ATTR, n),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const type = OtlpTypes.logsRequest;
    return { signal: 'logs', body: type.encode(type.fromObject(message)).finish() };
  }
  const message = {
    resourceMetrics: [
      {
        resource,
        scopeMetrics: [
          {
            scope: { name: 'chaos-fleet' },
            metrics: [
              {
                name: FLEET_METRIC,
                unit: '1',
                gauge: {
                  dataPoints: Array.from({ length: spec.points }, (_, i) => ({
                    timeUnixNano,
                    asDouble: n,
                    attributes: [kv('hw.id', `s${i}`)],
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
  const type = OtlpTypes.metricsRequest;
  return { signal: 'metrics', body: type.encode(type.fromObject(message)).finish() };
}

async function main(specFile: string): Promise<number> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as FleetSpec;
  const { sleep } = createTimerSleeper();
  const abort = new AbortController();
  const nodes = spec.nodes.map(({ nodeId, token }) => {
    const spool = openFleetSpool(spec.dir, nodeId);
    const acked: number[] = [];
    const { shipper, running } = startFleetShipper({
      spool,
      onAck: (seq) => acked.push(seq),
      collectorUrl: spec.collectorUrl,
      token,
      sleep,
      signal: abort.signal,
      tuning: {
        timeoutMs: 5_000,
        backoff: { ...defaultBackoffPolicy, initialMs: 100, maxMs: 1_000 },
        idlePollMs: 500,
      },
    });
    return {
      nodeId,
      spool,
      shipper,
      running,
      acked,
      appended: [] as number[],
      metricsSeqs: [] as number[],
      logsSeqs: [] as number[],
    };
  });

  // Produce: one batch per node per interval, the nodes spread across the interval.
  const started = Date.now();
  let n = 0;
  while (Date.now() - started < spec.durationMs) {
    n += 1;
    for (const [index, node] of nodes.entries()) {
      const { signal, body } = fleetBatch(spec, node.nodeId, n);
      const seq = node.spool.append(signal, body);
      if (seq !== n) {
        throw new Error(`${node.nodeId}: spool gave seq ${seq} to batch ${n}`);
      }
      node.appended.push(seq);
      (signal === 'logs' ? node.logsSeqs : node.metricsSeqs).push(seq);
      if (index % 10 === 9) {
        await sleep(spec.intervalMs / Math.ceil(nodes.length / 10));
      }
    }
  }

  // Drain: every spool empty, or give up after drainTimeoutMs.
  const finalStats = await drainFleet(nodes, { abort, timeoutMs: spec.drainTimeoutMs, pollMs: 200 });
  const results: FleetNodeResult[] = nodes.map((node, index) => {
    const stats = finalStats[index] as (typeof finalStats)[number];
    return {
      nodeId: node.nodeId,
      streamId: node.spool.streamId,
      appended: node.appended,
      metricsSeqs: node.metricsSeqs,
      logsSeqs: node.logsSeqs,
      acked: node.acked,
      left: stats.batches,
      deadLetters: stats.deadLetters,
      droppedBatches: stats.droppedBatches,
      retries: node.shipper.stats().retries,
    };
  });
  writeFileSync(spec.resultFile, JSON.stringify(results));
  return results.every((result) => result.left === 0) ? 0 : 3;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv[2] as string).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`agent-fleet: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
