#!/usr/bin/env node
/**
 * The AI workload sources' cost (issue 19 "Figures"), each figure the median (min–max) of --rounds:
 *
 * 1. Model inventory: the real `models` source (modelsSourceDefinition from samplers/registry.ts,
 *    settings parsed by agentConfigSchema) over a temp Ollama-layout store of --models models, each a
 *    manifest, a config blob and one synthetic weights blob of --blob-mib MiB named by its real
 *    SHA-256, so every blob verifies. The clock is the bench's, moved by hand, so each kind of round
 *    is the one wanted:
 *    - first full hash: a fresh sampler's first collect() (empty digest cache: every blob hashed);
 *    - steady full round: collect() one `models.interval` later (manifests read, every blob stat'ed,
 *      digests from the cache);
 *    - steady in-between round: collect() inside the interval (background re-hash, nothing stale);
 *    - background re-hash: 25 h later every digest is stale (default rehashAgeMs 24 h), and an
 *      in-between round with `models.hashRate` at 1 TiB/s re-hashes the whole store at once, so that
 *      round is CPU-bound; the 50 MiB/s default spreads the same bytes over store ÷ 50 MiB/s seconds.
 *    The blobs were just written, so they are read from the page cache: hashing, not the disk.
 * 2. Access-log lines per second: the real `inference` source's stream (createStreams, nginx-json,
 *    the fixture lines of samplers/inference/testdata/nginx-access.log byte for byte, cycled) on a
 *    temp file; --lines lines appended in batches of 1,000 per round, timed from the first append to
 *    the cursor reaching the end of the file (append → parse → events delivered). The context's sleep
 *    waits 1 ms instead of the follower's 500 ms poll, so the figure is the follower's and parser's
 *    capacity, not the poll interval.
 * 3. The peer: coreutils `sha256sum` over the same blobs in one process, so the agent's hashing
 *    reads as a ratio of what the host's own tool does.
 *
 * CPU is process.cpuUsage() of this Node process (every thread); sha256sum's is /proc/self/stat
 * cutime+cstime (reaped children, 10 ms ticks).
 *
 *   node bench/models.ts [--models 20] [--blob-mib 64] [--rounds 5] [--lines 100000]
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { agentConfigSchema, EventNames } from '@perimeter/schema';
import { createFsRoot } from '../packages/agent/src/host/fs-root.ts';
import { createRunCommand } from '../packages/agent/src/host/run-command.ts';
import { inferenceSourceDefinition } from '../packages/agent/src/samplers/inference/index.ts';
import { modelsSourceDefinition } from '../packages/agent/src/samplers/models/index.ts';
import { createLateStateStore } from '../packages/agent/src/samplers/state-store.ts';
import type { EventStreamIo, SourceContext } from '../packages/agent/src/samplers/types.ts';
import { median, REPO_ROOT } from '../test/helpers/processes.ts';
import { fmt, reapedChildrenCpuMs, silentLogger } from './lib/measure.ts';
import { writeOllamaStore } from './lib/ollama-store.ts';

const USAGE = `node bench/models.ts [--models 20] [--blob-mib 64] [--rounds 5] [--lines 100000]
  --models N     models in the temp Ollama store (one weights blob each)
  --blob-mib M   size of each synthetic weights blob, MiB
  --rounds R     rounds per figure (median and min–max over them)
  --lines L      access-log lines appended per round`;

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '20' },
    'blob-mib': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    lines: { type: 'string', default: '100000' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const flag = (name: 'models' | 'blob-mib' | 'rounds' | 'lines') => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name}: expected a whole number ≥ 1, got ${values[name]}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const MODELS = flag('models');
const BLOB_MIB = flag('blob-mib');
const ROUNDS = flag('rounds');
const LINES = flag('lines');

const MiB = 1024 * 1024;
const DEFAULT_HASH_RATE = 50 * MiB;
const UNTHROTTLED_HASH_RATE = 1024 * 1024 * MiB;
const HOUR_MS = 3_600_000;

/** Wall ms and CPU ms (this process, user+system) of one awaited call. */
async function timed<T>(work: () => Promise<T>): Promise<{ wallMs: number; cpuMs: number; result: T }> {
  const cpu0 = process.cpuUsage();
  const began = performance.now();
  const result = await work();
  const wallMs = performance.now() - began;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, result };
}

/** A clock the bench moves by hand; `sleep` waits 1 ms (or until aborted), whatever it is asked. */
function benchContext(clock: { nowMs(): number }): SourceContext {
  return {
    clock,
    runCommand: createRunCommand(),
    fs: createFsRoot('/'),
    log: silentLogger,
    platform: process.platform,
    sleep: (_ms, signal) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, 1);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      }),
  };
}

// ---- 1. model inventory -----------------------------------------------------------------------------

interface RoundRow {
  label: string;
  cpuMs: number[];
  wallMs: number[];
  /** MiB hashed in each of these rounds (0 for stat-only rounds). */
  hashedMiB: number;
}

/** A fresh `models` sampler (empty digest cache) and the hash times its saved state holds. */
function modelsSampler(store: string, hashRate: number, clock: { nowMs(): number }) {
  const settings = agentConfigSchema.parse({
    models: { ollamaDirs: [store], huggingfaceCaches: [], hashRate },
  }).models;
  const state = createLateStateStore();
  const sampler = modelsSourceDefinition.createSampler!({ ...benchContext(clock), state }, settings);
  const hashedAt = () => {
    const saved = JSON.parse(state.read('models:state') ?? '{}') as {
      digests?: Record<string, { hashedAtMs: number }>;
    };
    return Object.values(saved.digests ?? {}).map((digest) => digest.hashedAtMs);
  };
  return { sampler, hashedAt };
}

/** Each round's work really happened: every weights blob hashed at `nowMs`. */
function expectAllHashedAt(hashedAt: number[], nowMs: number, what: string): void {
  if (hashedAt.length !== MODELS || hashedAt.some((ms) => ms !== nowMs)) {
    throw new Error(
      `${what}: expected ${MODELS} blobs hashed now, the state says ${JSON.stringify(hashedAt)}`,
    );
  }
}

async function inventoryRounds(store: string): Promise<RoundRow[]> {
  const storeMiB = MODELS * BLOB_MIB;
  const interval = agentConfigSchema.parse({}).models.interval;
  const first: RoundRow = {
    label: 'first full hash (fresh agent)',
    cpuMs: [],
    wallMs: [],
    hashedMiB: storeMiB,
  };
  let now = Date.now();
  const clock = { nowMs: () => now };
  let fresh = modelsSampler(store, UNTHROTTLED_HASH_RATE, clock);
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) fresh = modelsSampler(store, UNTHROTTLED_HASH_RATE, clock);
    const { sampler } = fresh;
    const { cpuMs, wallMs, result } = await timed(() => sampler.collect());
    if (result.status !== 'ok') throw new Error(`models round: ${result.status}`);
    const integrity = (result.events ?? []).filter((e) => e.event === EventNames.modelIntegrity);
    if (result.readings.length !== 2 * MODELS || integrity.length > 0) {
      throw new Error(
        `expected ${MODELS} verified models, got ${result.readings.length / 2} and ${integrity.length} integrity events`,
      );
    }
    expectAllHashedAt(fresh.hashedAt(), now, 'first full hash');
    first.cpuMs.push(cpuMs);
    first.wallMs.push(wallMs);
  }
  const steady = fresh.sampler;
  const measure = async (
    label: string,
    hashedMiB: number,
    before: () => Promise<void>,
    step: () => void,
    check: () => void = () => {},
  ) => {
    const row: RoundRow = { label, cpuMs: [], wallMs: [], hashedMiB };
    for (let round = 0; round < ROUNDS; round++) {
      await before();
      step();
      const { cpuMs, wallMs, result } = await timed(() => steady.collect());
      if (result.status !== 'ok') throw new Error(`models round: ${result.status}`);
      check();
      row.cpuMs.push(cpuMs);
      row.wallMs.push(wallMs);
    }
    return row;
  };
  const nothing = async () => {};
  const full = await measure('steady full round (stat only)', 0, nothing, () => {
    now += interval;
  });
  const betweenStep = Math.max(1, Math.floor(interval / (ROUNDS + 2)));
  const between = await measure('steady in-between round', 0, nothing, () => {
    now += betweenStep;
  });
  const rehash = await measure(
    'background re-hash of the store',
    storeMiB,
    async () => {
      now += 25 * HOUR_MS; // every digest stale; this full round only stats
      await steady.collect();
    },
    () => {
      now += 1000;
    },
    () => expectAllHashedAt(fresh.hashedAt(), now, 'background re-hash'),
  );
  return [first, full, between, rehash];
}

// ---- 3. the peer: sha256sum ---------------------------------------------------------------------------

function sha256sumRounds(blobs: string[]): RoundRow {
  const row: RoundRow = {
    label: 'sha256sum (coreutils) on the same blobs',
    cpuMs: [],
    wallMs: [],
    hashedMiB: MODELS * BLOB_MIB,
  };
  for (let round = 0; round < ROUNDS; round++) {
    const children0 = reapedChildrenCpuMs();
    const began = performance.now();
    execFileSync('sha256sum', blobs, { stdio: ['ignore', 'ignore', 'inherit'] });
    row.wallMs.push(performance.now() - began);
    row.cpuMs.push(reapedChildrenCpuMs() - children0);
  }
  return row;
}

function printInventory(rows: RoundRow[]): void {
  const storeMiB = MODELS * BLOB_MIB;
  console.log(
    `Model inventory: ${MODELS} Ollama models × ${BLOB_MIB} MiB weights (${storeMiB.toLocaleString('en-US')} MiB), ${ROUNDS} rounds each; blobs in the page cache.`,
  );
  const width = Math.max(...rows.map((r) => r.label.length));
  console.log(
    `  ${'round'.padEnd(width)} | CPU ms/round              | wall ms/round             | MiB/s (wall)          | CPU ms per MiB`,
  );
  for (const row of rows) {
    const rate =
      row.hashedMiB === 0
        ? ''
        : fmt(
            row.wallMs.map((ms) => (row.hashedMiB * 1000) / ms),
            0,
          );
    const perMiB =
      row.hashedMiB === 0
        ? ''
        : fmt(
            row.cpuMs.map((ms) => ms / row.hashedMiB),
            2,
          );
    console.log(
      [
        `  ${row.label.padEnd(width)}`,
        fmt(row.cpuMs, 2).padEnd(25),
        fmt(row.wallMs, 2).padEnd(25),
        rate.padEnd(21),
        perMiB,
      ].join(' | '),
    );
  }
  const [first, , , rehash, peer] = rows;
  const cpuPerMiB = (row: RoundRow) => median(row.cpuMs) / row.hashedMiB;
  if (first && peer) {
    console.log(
      `  agent first hash ÷ sha256sum: ${(cpuPerMiB(first) / cpuPerMiB(peer)).toFixed(2)}× the CPU per MiB, ${(median(first.wallMs) / median(peer.wallMs)).toFixed(2)}× the wall time`,
    );
  }
  if (rehash) {
    const seconds = (storeMiB * MiB) / DEFAULT_HASH_RATE;
    const coreShare = (cpuPerMiB(rehash) * (DEFAULT_HASH_RATE / MiB)) / 1000;
    console.log(
      `  at the 50 MiB/s default (models.hashRate): one re-hash of this store spreads over ${seconds.toFixed(1)} s of rounds, about ${(coreShare * 100).toFixed(1)}% of one core while it runs (CPU ms per MiB of the re-hash row × 50), once per rehash age (24 h)`,
    );
  }
}

// ---- 2. access-log lines per second -------------------------------------------------------------------

async function accessLogRounds(
  dir: string,
): Promise<{ linesPerS: number[]; cpuUsPerLine: number[]; events: number }> {
  const fixture = join(REPO_ROOT, 'packages/agent/src/samplers/inference/testdata/nginx-access.log');
  const fixtureLines = readFileSync(fixture, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  const batchLines = 1000;
  const lines = Array.from({ length: batchLines }, (_, i) => `${fixtureLines[i % fixtureLines.length]}\n`);
  const batch = lines.join('');
  const path = join(dir, 'ai_access.json');
  writeFileSync(path, '', { mode: 0o600 });
  const settings = agentConfigSchema.parse({
    inference: { accessLogs: [{ path, format: 'nginx-json' }] },
  }).inference;
  const [stream] = inferenceSourceDefinition.createStreams!(
    benchContext({ nowMs: () => Date.now() }),
    settings,
  );
  if (stream === undefined) throw new Error('the inference source made no access-log stream');
  let cursor: string | null = null;
  let events = 0;
  const io: EventStreamIo = {
    deliver(delivered, next) {
      events += delivered.length;
      cursor = next;
    },
    advance(next) {
      cursor = next;
    },
    readCursor: () => cursor,
  };
  const offset = () => (cursor === null ? -1 : (JSON.parse(cursor) as { offset: number }).offset);
  const until = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + 120_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  stream.start(io);
  const linesPerS: number[] = [];
  const cpuUsPerLine: number[] = [];
  try {
    await until(() => cursor !== null, 'the follower to start');
    for (let round = 0; round < ROUNDS; round++) {
      const cpu0 = process.cpuUsage();
      const began = performance.now();
      for (let appended = 0; appended < LINES; appended += batchLines) {
        const count = Math.min(batchLines, LINES - appended);
        appendFileSync(path, count === batchLines ? batch : lines.slice(0, count).join(''));
        await new Promise((resolve) => setImmediate(resolve)); // the follower runs between batches
      }
      const size = statSync(path).size;
      await until(() => offset() === size, 'the follower to reach the end of the log');
      const seconds = (performance.now() - began) / 1000;
      const cpu = process.cpuUsage(cpu0);
      linesPerS.push(LINES / seconds);
      cpuUsPerLine.push((cpu.user + cpu.system) / LINES);
    }
  } finally {
    await stream.stop();
  }
  return { linesPerS, cpuUsPerLine, events };
}

// ---- run ------------------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'perimeter-bench-models-'));
try {
  const store = join(dir, 'ollama');
  const blobs = writeOllamaStore(store, { models: MODELS, blobMiB: BLOB_MIB });
  const rows = await inventoryRounds(store);
  rows.push(sha256sumRounds(blobs));
  printInventory(rows);

  const access = await accessLogRounds(dir);
  console.log(
    `\nAccess-log lines per second: ${ROUNDS} rounds × ${LINES.toLocaleString('en-US')} nginx-json lines (the 5 fixture lines of inference/testdata/nginx-access.log, cycled), appended in batches of 1,000; append → events delivered, 1 ms poll.`,
  );
  console.log(
    `  lines/s                | CPU µs per line (this process, appends included) | events delivered`,
  );
  console.log(
    `  ${fmt(access.linesPerS, 0).padEnd(22)} | ${fmt(access.cpuUsPerLine, 2).padEnd(48)} | ${access.events.toLocaleString('en-US')} of ${(ROUNDS * LINES).toLocaleString('en-US')} lines`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
