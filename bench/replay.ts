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
import { rmSync } from 'node:fs';
import { openStore, storePath } from '@perimeter/collector';
import Database from 'better-sqlite3';
import { replayFromStore } from '../packages/collector/src/replay/replay.ts';
import { historyFlags, openBenchStore, writeSensorHistory } from './lib/synthetic-store.ts';

const history = historyFlags({ days: 30, runs: 7 });

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

const { dataDir, store } = openBenchStore('replay');
const buildStarted = performance.now();
const { batches } = writeSensorHistory(store, history, (i) =>
  i === 0 ? 'hw.temperature' : i === 1 ? 'perimeter.thermal.pressure' : 'system.cpu.utilization',
);
const buildSeconds = (performance.now() - buildStarted) / 1000;
const storeBytes = store.sizeBytes();
await store.close();
console.log(
  `store: ${history.nodes} nodes × ${history.days} days at ${history.intervalMs / 1000} s, ${history.points} samples per metrics batch + 1 logs batch/hour: ` +
    `${batches} batches (${Math.round(batches / history.nodes)} per node), ${(storeBytes / 2 ** 20).toFixed(0)} MiB, built in ${buildSeconds.toFixed(0)} s`,
);

const measure = async (label: string) => {
  const reader = openStore({ dataDir, synchronous: 'NORMAL' });
  const times: number[] = [];
  let summary = '';
  const windowFrom = history.startMs + Math.floor(history.days / 2) * 86_400_000;
  for (let run = 0; run < history.runs; run++) {
    const started = performance.now();
    const outcome = replayFromStore(reader, {
      nodeId: `node-${run % history.nodes}`,
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
    `replay 1 h (${label}): p50 ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms over ${history.runs} runs (${summary})`,
  );
};

await measure('schema as shipped: no index on node_id');
// An experiment on the schema itself, so it opens the file directly rather than through store/.
const sqlite = new Database(storePath(dataDir));
const indexStarted = performance.now();
sqlite.exec(
  'CREATE INDEX bench_batches_node ON batches (node_id, id); CREATE INDEX bench_events_node ON events (node_id, id)',
);
sqlite.close();
console.log(`(indexes built in ${((performance.now() - indexStarted) / 1000).toFixed(1)} s)`);
await measure('with indexes batches(node_id, id), events(node_id, id)');
rmSync(dataDir, { recursive: true, force: true });
