#!/usr/bin/env node
/**
 * Forensic replay: one node's one hour from a store holding --days × --nodes of synthetic history,
 * written through the real store API (openStore().writeBatch: chain, sample blocks, events, as
 * ingest writes them). Every --interval seconds each node sends a metrics batch of --points
 * samples (payload: a gzipped OTLP/JSON body, the same bytes per node, so hashing costs what a real
 * one does); once an hour a logs batch with one auth.login event. Replay = verify the node's whole
 * chain + build the timeline, in-process on a read-only connection, --runs times; p50 and p95.
 * Then the same with indexes on batches(node_id, id) and events(node_id, id), to show what they buy.
 *
 *   node bench/replay.ts [--nodes 20] [--days 30] [--interval 60] [--points 20] [--runs 7]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { openStore } from '@perimeter/collector';
import { replayFromStore } from '../packages/collector/src/replay/replay.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '20' },
    days: { type: 'string', default: '30' },
    interval: { type: 'string', default: '60' },
    points: { type: 'string', default: '20' },
    runs: { type: 'string', default: '7' },
  },
});
const NODES = Number(values.nodes);
const DAYS = Number(values.days);
const INTERVAL_MS = Number(values.interval) * 1000;
const POINTS = Number(values.points);
const RUNS = Number(values.runs);
const END_MS = Date.parse('2026-11-23T00:00:00Z');
const START_MS = END_MS - DAYS * 86_400_000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-bench-replay-'));
const store = openStore({ dataDir, synchronous: 'NORMAL' });
const payloads = Array.from({ length: NODES }, (_, n) =>
  gzipSync(
    JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'perimeter.node.id', value: { stringValue: `node-${n}` } }] },
          scopeMetrics: [
            { metrics: Array.from({ length: POINTS }, (_, i) => ({ name: `m${i}`, gauge: {} })) },
          ],
        },
      ],
    }),
  ),
);
const buildStarted = performance.now();
let batches = 0;
const seqs = new Array<number>(NODES).fill(0);
const nextSeq = (n: number) => {
  seqs[n] = (seqs[n] ?? 0) + 1;
  return seqs[n] as number;
};
for (let t = START_MS; t < END_MS; t += INTERVAL_MS) {
  for (let n = 0; n < NODES; n++) {
    const nodeId = `node-${n}`;
    const points = Array.from({ length: POINTS }, (_, i) => ({
      metric: i === 0 ? 'hw.temperature' : i === 1 ? 'perimeter.thermal.pressure' : 'system.cpu.utilization',
      unit: i === 0 ? 'Cel' : '1',
      kind: 'gauge' as const,
      attributes: [['hw.id', `sensor-${i}`] as const],
      timeMs: t,
      value: 40 + ((t / INTERVAL_MS + i) % 30),
    }));
    store.writeBatch({
      nodeId,
      streamId: `stream-${n}`,
      seq: nextSeq(n),
      signal: 'metrics',
      receivedAtMs: t + 200,
      contentType: 'application/json',
      contentEncoding: 'gzip',
      payload: payloads[n] as Buffer,
      resources: [{ attributes: { 'perimeter.node.id': nodeId }, points, events: [] }],
    });
    batches++;
    if ((t - START_MS) % 3_600_000 === 0) {
      store.writeBatch({
        nodeId,
        streamId: `stream-${n}`,
        seq: nextSeq(n),
        signal: 'logs',
        receivedAtMs: t + 300,
        contentType: 'application/json',
        contentEncoding: 'gzip',
        payload: payloads[n] as Buffer,
        resources: [
          {
            attributes: { 'perimeter.node.id': nodeId },
            points: [],
            events: [
              {
                timeMs: t + 100,
                observedMs: null,
                eventName: 'auth.login',
                severity: 9,
                body: 'Accepted publickey for ops',
                attributes: { 'event.name': 'auth.login', 'auth.outcome': 'success', 'auth.method': 'ssh' },
              },
            ],
          },
        ],
      });
      batches++;
    }
  }
}
const buildSeconds = (performance.now() - buildStarted) / 1000;
const storeBytes = store.sizeBytes();
await store.close();
console.log(
  `store: ${NODES} nodes × ${DAYS} days at ${INTERVAL_MS / 1000} s, ${POINTS} samples per metrics batch + 1 logs batch/hour: ` +
    `${batches} batches (${Math.round(batches / NODES)} per node), ${(storeBytes / 2 ** 20).toFixed(0)} MiB, built in ${buildSeconds.toFixed(0)} s`,
);

const measure = async (label: string) => {
  const reader = openStore({ dataDir, synchronous: 'NORMAL' });
  const db = reader.db;
  const times: number[] = [];
  let summary = '';
  const windowFrom = START_MS + Math.floor(DAYS / 2) * 86_400_000;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const outcome = replayFromStore(db, {
      nodeId: `node-${run % NODES}`,
      window: { fromMs: windowFrom, toMs: windowFrom + 3_600_000 },
      filters: { eventsOnly: false, events: [], metrics: [] },
      nowMs: Date.now,
    });
    times.push(performance.now() - started);
    if (outcome.kind === 'ok') {
      summary = `${outcome.timeline.rows.length} rows; ${outcome.timeline.integrity.summary}`;
    }
  }
  await reader.close();
  times.sort((a, b) => a - b);
  console.log(
    `replay 1 h (${label}): p50 ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms over ${RUNS} runs (${summary})`,
  );
};

await measure('schema as shipped: no index on node_id');
const rw = openStore({ dataDir, synchronous: 'NORMAL' });
const indexStarted = performance.now();
rw.db.exec(
  'CREATE INDEX bench_batches_node ON batches (node_id, id); CREATE INDEX bench_events_node ON events (node_id, id)',
);
await rw.close();
console.log(`(indexes built in ${((performance.now() - indexStarted) / 1000).toFixed(1)} s)`);
await measure('with indexes batches(node_id, id), events(node_id, id)');
rmSync(dataDir, { recursive: true, force: true });
