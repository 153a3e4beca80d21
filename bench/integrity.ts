#!/usr/bin/env node
/**
 * Integrity (docs/integrity.md): the cost of one signed checkpoint, and of `verify` (every node's
 * chain walked, the audit chain, series and pruned-range checks against that checkpoint), on a
 * store holding --days × --nodes of synthetic history at --interval s, written through the real
 * store API (bench/lib/synthetic-store.ts). --runs times each; median and spread.
 *
 *   node bench/integrity.ts [--nodes 20] [--days 30] [--interval 60] [--points 20] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCheckpoint } from '../packages/collector/src/integrity/checkpoint.ts';
import { createSigningKeyFiles, loadSigningKey } from '../packages/collector/src/integrity/keys.ts';
import { verifyStore } from '../packages/collector/src/integrity/verify-store.ts';
import { openStoreFile } from '../packages/collector/src/store/store-file.ts';
import { fmt } from './lib/measure.ts';
import { historyFlags, openBenchStore, writeSensorHistory } from './lib/synthetic-store.ts';

const history = historyFlags({ days: 30, runs: 5 });
const { dataDir, store } = openBenchStore('integrity');
const { batches } = writeSensorHistory(store, history, (i) =>
  i === 0 ? 'hw.temperature' : 'system.cpu.utilization',
);
await store.close();
console.log(
  `store: ${history.nodes} nodes × ${history.days} days at ${history.intervalMs / 1000} s: ${batches} batches`,
);

const keyDir = mkdtempSync(join(tmpdir(), 'perimeter-bench-keys-'));
const key = loadSigningKey(createSigningKeyFiles(keyDir).privateKeyPath);
const file = openStoreFile({ dataDir });
const checkpointMs: number[] = [];
const verifyMs: number[] = [];
let latest = '';
for (let run = 0; run < history.runs; run++) {
  let started = performance.now();
  latest = JSON.stringify(makeCheckpoint(file, key, {}, history.endMs + run).envelope);
  checkpointMs.push(performance.now() - started);
  started = performance.now();
  const verdict = verifyStore({ store: file, given: [['bench', latest]], pinnedKey: key.publicKey });
  verifyMs.push(performance.now() - started);
  if (!verdict.ok) {
    throw new Error(`bench store did not verify: ${JSON.stringify(verdict.problems.slice(0, 3))}`);
  }
}
file.close();
console.log(`checkpoint ms: ${fmt(checkpointMs, 1)}`);
console.log(`verify ms:     ${fmt(verifyMs, 0)}`);
rmSync(dataDir, { recursive: true, force: true });
rmSync(keyDir, { recursive: true, force: true });
