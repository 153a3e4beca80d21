#!/usr/bin/env node
/**
 * Durable ingest with signed checkpoints on, beside off, in one run (issue 17 "Figures"): round-robin,
 * each round a fresh `perimeter-collector serve` with no signing key, then one with
 * `integrity.signingKey` (an Ed25519 key from keys.ts, kept outside the data directory) and
 * `integrity.checkpointInterval` at --interval (default 1s: a checkpoint every second, 3,600 times
 * the default rate, so the cost shows at all). The load is bench/ingest.ts's: --senders sequential
 * senders of 1,000-point protobuf requests for --seconds. Prints data points/s and collector CPU
 * seconds per million points, median (min–max) of --runs, and the ratio on/off.
 *
 *   node bench/integrity-ingest.ts [--runs 5] [--seconds 10] [--senders 4] [--interval 1s]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigningKeyFiles } from '../packages/collector/src/integrity/keys.ts';
import { median } from '../test/helpers/processes.ts';
import { fmt, type IngestRun, ingestFlags, ingestRun } from './ingest.ts';

const { runs: runCount, seconds, senders, values } = ingestFlags(10, { interval: '1s' });
const load = { seconds, senders, points: 1000 };

const keyDir = mkdtempSync(join(tmpdir(), 'perimeter-bench-key-'));
const { privateKeyPath } = createSigningKeyFiles(join(keyDir, 'keys'));
const withCheckpoints = `integrity:\n  signingKey: ${JSON.stringify(privateKeyPath)}\n  checkpointInterval: ${values.interval}\n`;

const off: IngestRun[] = [];
const on: IngestRun[] = [];
try {
  for (let run = 1; run <= runCount; run++) {
    off.push(await ingestRun('protobuf', load));
    on.push(await ingestRun('protobuf', { ...load, config: withCheckpoints }));
    const last = (runs: IngestRun[]) => Math.round(runs.at(-1)?.pointsPerSecond ?? 0).toLocaleString('en-US');
    console.log(`run ${run}: checkpoints off ${last(off)}/s, on ${last(on)}/s`);
  }
} finally {
  rmSync(keyDir, { recursive: true, force: true });
}

const row = (label: string, runs: IngestRun[]) =>
  console.log(
    `${label.padEnd(34)} ${fmt(runs.map((r) => r.pointsPerSecond)).padEnd(30)} ${fmt(
      runs.map((r) => r.cpuSecondsPerMillion),
      2,
    )}  failed ${runs.reduce((n, r) => n + r.failed, 0)}`,
  );
console.log(
  `\n${'protobuf, 1,000 points a request'.padEnd(34)} ${'data points/s'.padEnd(30)} CPU s per M points`,
);
row('checkpoints off', off);
row(`checkpoints on, every ${values.interval}`, on);
const ratio = (f: (r: IngestRun) => number) => median(on.map(f)) / median(off.map(f));
console.log(
  `ratio on/off: throughput ${ratio((r) => r.pointsPerSecond).toFixed(3)}×, CPU per point ${ratio((r) => r.cpuSecondsPerMillion).toFixed(3)}×`,
);
