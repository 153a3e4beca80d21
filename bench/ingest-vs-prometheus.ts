#!/usr/bin/env node
/**
 * Collector durable ingest beside Prometheus 2.42's remote-write ingest, in the same run on the
 * same machine, round-robin: each round runs our collector with protobuf, then with JSON (bench/
 * ingest.ts's `ingestRun`: a fresh `perimeter-collector serve` + store, 4 sequential senders,
 * 1,000 points per request, prebuilt bodies, 2xx = committed), then the Prometheus anchor
 * (../shared/anchors/prom-rw-bench.mjs: a fresh Prometheus + TSDB, remote-write 1.0 snappy
 * bodies of 1,000 series × 1 sample, 4 senders, prebuilt; its own CPU from /proc). Every side gets
 * the same --seconds window. Prints, per side, accepted data points/s and the server's CPU seconds
 * per million points, median (min–max) of --runs, and the ratios collector / Prometheus.
 * The Prometheus side is skipped (with a message) when /usr/bin/prometheus or the anchors are absent.
 *
 *   node bench/ingest-vs-prometheus.ts [--runs 5] [--seconds 10] [--senders 4]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { median, REPO_ROOT } from '../test/helpers/processes.ts';
import { type Encoding, fmt, type IngestRun, ingestFlags, ingestRun } from './ingest.ts';

const {
  runs: RUNS,
  seconds: SECONDS,
  senders: SENDERS,
  values,
} = ingestFlags(10, { encodings: 'protobuf,json' });
const POINTS = 1000;
const ENCODINGS = values.encodings.split(',') as Encoding[];

const ANCHOR = join(REPO_ROOT, '..', 'shared', 'anchors', 'prom-rw-bench.mjs');
const PROMETHEUS = '/usr/bin/prometheus';
const withPrometheus = existsSync(ANCHOR) && existsSync(PROMETHEUS);
if (!withPrometheus) {
  console.log(
    `Prometheus side skipped: needs ${ANCHOR} and ${PROMETHEUS} (apt-get install prometheus); collector side only`,
  );
}

interface PromRun {
  pointsPerSecond: number;
  cpuSecondsPerMillion: number;
  cores: number;
  generatorCores: number;
  rssMiB: number;
  rejected: number;
  queryMatches: boolean;
}

function prometheusRun(): PromRun {
  const out = execFileSync(
    process.execPath,
    [
      ANCHOR,
      '--senders',
      String(SENDERS),
      '--series',
      String(POINTS),
      '--samples',
      '1',
      '--pool',
      String(POINTS),
      // ~150 requests/s per sender at Prometheus's anchor rate: enough bodies for the window.
      '--prebuild',
      String(Math.max(4500, SECONDS * 300)),
      '--seconds',
      String(SECONDS),
    ],
    {
      encoding: 'utf8',
      // protobufjs and snappyjs for the load generator resolve from the collector's dependencies.
      env: {
        ...process.env,
        BENCH_DEPS: join(REPO_ROOT, 'packages', 'collector'),
        PATH: `/usr/bin:${process.env.PATH}`,
      },
      timeout: (SECONDS + 120) * 1000,
    },
  );
  const r = JSON.parse(out.trim().split('\n').pop() as string);
  if (r.error) {
    throw new Error(`prometheus anchor failed: ${r.error}`);
  }
  return {
    pointsPerSecond: Number(r.samples_per_s),
    cpuSecondsPerMillion: Number(r.prom_cpu_s_per_million),
    cores: Number(r.prom_cores),
    generatorCores: Number(r.gen_cores),
    rssMiB: Number(r.prom_rss_kib) / 1024,
    rejected: Number(r.samplesRejected ?? 0) + Number(r.exhausted ?? 0),
    queryMatches: r.query_matches === true,
  };
}

const ours = new Map<Encoding, IngestRun[]>(ENCODINGS.map((e) => [e, []]));
const theirs: PromRun[] = [];
console.log(
  `durable ingest side by side: ${RUNS} rounds × (${ENCODINGS.join(', ')}${withPrometheus ? ', Prometheus 2.42 remote-write' : ''}), ${SECONDS} s each, ${SENDERS} senders, ${POINTS.toLocaleString('en-US')} points per request, prebuilt bodies, fresh store per run`,
);
for (let round = 1; round <= RUNS; round++) {
  const line: string[] = [`round ${round}:`];
  for (const encoding of ENCODINGS) {
    const run = await ingestRun(encoding, { seconds: SECONDS, senders: SENDERS, points: POINTS });
    ours.get(encoding)?.push(run);
    line.push(`${encoding} ${Math.round(run.pointsPerSecond).toLocaleString('en-US')}/s`);
  }
  if (withPrometheus) {
    const run = prometheusRun();
    theirs.push(run);
    line.push(`prometheus ${Math.round(run.pointsPerSecond).toLocaleString('en-US')}/s`);
  }
  console.log(line.join(' '));
}

const row = (name: string, runs: Array<Omit<PromRun, 'rejected' | 'queryMatches'>>, extra: string) =>
  [
    name.padEnd(22),
    `points/s ${fmt(runs.map((r) => r.pointsPerSecond))}`,
    `server CPU s per M points ${fmt(
      runs.map((r) => r.cpuSecondsPerMillion),
      2,
    )}`,
    `server cores ${fmt(
      runs.map((r) => r.cores),
      2,
    )}`,
    `generator cores ${fmt(
      runs.map((r) => r.generatorCores),
      2,
    )}`,
    `RSS MiB ${fmt(runs.map((r) => r.rssMiB))}`,
    extra,
  ].join(' | ');

for (const encoding of ENCODINGS) {
  const runs = ours.get(encoding) ?? [];
  console.log(
    row(
      `collector ${encoding}`,
      runs,
      `non-2xx ${runs.reduce((n, r) => n + r.failed, 0)} | body ${runs[0]?.bodyBytes} B`,
    ),
  );
}
if (withPrometheus) {
  console.log(
    row(
      'prometheus 2.42 rw',
      theirs,
      `rejected/exhausted ${theirs.reduce((n, r) => n + r.rejected, 0)} | count query matched ${theirs.filter((r) => r.queryMatches).length}/${theirs.length}`,
    ),
  );
  const promRate = median(theirs.map((r) => r.pointsPerSecond));
  const promCpu = median(theirs.map((r) => r.cpuSecondsPerMillion));
  for (const encoding of ENCODINGS) {
    const runs = ours.get(encoding) ?? [];
    const rate = median(runs.map((r) => r.pointsPerSecond));
    const cpu = median(runs.map((r) => r.cpuSecondsPerMillion));
    console.log(
      `ratio collector ${encoding} / prometheus (medians): points/s ${(rate / promRate).toFixed(2)}×, CPU per M points ${(cpu / promCpu).toFixed(2)}×`,
    );
  }
}
for (const encoding of ENCODINGS) {
  const rate = median((ours.get(encoding) ?? []).map((r) => r.pointsPerSecond));
  console.log(
    `target ≥ 200,000 data points/s durable (${encoding}): ${Math.round(rate).toLocaleString('en-US')} → ${rate >= 200_000 ? 'PASS' : 'MISS'}`,
  );
}
