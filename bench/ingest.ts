#!/usr/bin/env node
/**
 * Collector durable ingest: data points per second acknowledged (2xx = committed to SQLite) by a
 * real `perimeter-collector serve` process on loopback, batches of 1,000 points (one scrape of
 * 1,000 series at one timestamp, as anchors/sqlite-insert.mjs writes them), JSON and protobuf.
 * Each run starts a fresh collector and data directory. Prints median (min–max) of --runs.
 *
 *   node bench/ingest.ts [--runs 5] [--seconds 5] [--senders 4] [--points 1000]
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { OtlpTypes } from '@perimeter/collector';
import { startCollectorProcess } from '../test/helpers/collector-process.ts';
import { cpuSeconds, median, rssBytes } from '../test/helpers/processes.ts';
import { temperatureRound } from '../test/helpers/synthetic-round.ts';

export type Encoding = 'json' | 'json+gzip' | 'protobuf' | 'protobuf+gzip';

export interface IngestOptions {
  seconds: number;
  senders: number;
  points: number;
  nodeFlags?: string[];
  /** Collector config text (YAML), e.g. to turn signed checkpoints on (bench/integrity-ingest.ts). */
  config?: string;
}

export interface IngestRun {
  pointsPerSecond: number;
  cpuSecondsPerMillion: number;
  cores: number;
  generatorCores: number;
  rssMiB: number;
  failed: number;
  bodyBytes: number;
}

function encode(encoding: Encoding, nodeId: string, timeMs: number, points: number): Uint8Array {
  const object = temperatureRound({ nodeId, timeMs, points });
  const bytes = encoding.startsWith('json')
    ? Buffer.from(JSON.stringify(object, (key, value) => (key === 'timeUnixNano' ? String(value) : value)))
    : OtlpTypes.metricsRequest.encode(OtlpTypes.metricsRequest.fromObject(object)).finish();
  return encoding.endsWith('+gzip') ? gzipSync(bytes) : bytes;
}

/** One run: a fresh collector and store, SENDERS sequential senders for SECONDS, then stop and delete. */
export async function ingestRun(encoding: Encoding, options: IngestOptions): Promise<IngestRun> {
  const { seconds: SECONDS, senders: SENDERS, points: POINTS } = options;
  const collector = await startCollectorProcess({
    logLevel: 'warn',
    nodeFlags: options.nodeFlags ?? [],
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  const tokens = Array.from({ length: SENDERS }, (_, i) => collector.createToken(`bench-${i}`));
  const { url } = collector;
  const pid = collector.child.pid as number;
  // Bodies are prebuilt (one per 100 ms of simulated time) so the figure is the collector's, not the encoder's.
  const start = Date.parse('2026-11-23T00:00:00Z');
  const bodies = tokens.map((_, s) =>
    Array.from({ length: 64 }, (_, i) => encode(encoding, `bench-${s}`, start + i * 100, POINTS)),
  );
  const headers = {
    'content-type': encoding.startsWith('json') ? 'application/json' : 'application/x-protobuf',
    ...(encoding.endsWith('+gzip') ? { 'content-encoding': 'gzip' } : {}),
  };
  // node:http with a keep-alive agent, one socket per sender: the load generator the Prometheus
  // anchor uses (anchors/rw-loadgen.mjs), so neither side's figure carries a heavier client
  // (fetch cost this process ~2.5x the CPU on the same 2 cores).
  const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
  const cpuBefore = cpuSeconds(pid);
  const generatorBefore = process.cpuUsage();
  const began = performance.now();
  const deadline = began + SECONDS * 1000;
  let acked = 0;
  let failed = 0;
  await Promise.all(
    tokens.map(async (token, s) => {
      let seq = 0;
      while (performance.now() < deadline) {
        const body = bodies[s]?.[seq % 64] as Uint8Array;
        seq++;
        const status = await post(agent, `${url}/v1/metrics`, body, {
          ...headers,
          authorization: `Bearer ${token}`,
          'x-perimeter-stream': `bench-stream-${s}`,
          'x-perimeter-seq': String(seq),
        });
        if (status >= 200 && status < 300) {
          acked += POINTS;
        } else {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - began) / 1000;
  agent.destroy();
  const cpu = cpuSeconds(pid) - cpuBefore;
  const generator = process.cpuUsage(generatorBefore);
  const generatorCores = (generator.user + generator.system) / 1e6 / elapsed;
  const rss = rssBytes(pid);
  const bodyBytes = bodies[0]?.[0]?.byteLength ?? 0;
  await collector.stop();
  rmSync(collector.dataDir, { recursive: true, force: true });
  return {
    pointsPerSecond: acked / elapsed,
    cpuSecondsPerMillion: (cpu / acked) * 1e6,
    cores: cpu / elapsed,
    generatorCores,
    rssMiB: rss / 2 ** 20,
    failed,
    bodyBytes,
  };
}

/** One POST, its answer read to the end; resolves with the status. */
function post(
  agent: http.Agent,
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.byteLength) } },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export const fmt = (values: number[], digits = 0) => {
  const f = (v: number) =>
    v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
};

/**
 * The ingest benches' flags (ingest, ingest-vs-prometheus, integrity-ingest): [--runs 5]
 * [--seconds S] [--senders 4] as numbers, and each bench's own string flags with their defaults
 * (strict, as parseArgs is: an unknown flag is an error).
 */
export function ingestFlags<K extends string>(
  secondsDefault: number,
  own: Record<K, string>,
): { runs: number; seconds: number; senders: number; values: Record<K, string> } {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      seconds: { type: 'string', default: String(secondsDefault) },
      senders: { type: 'string', default: '4' },
      ...Object.fromEntries(
        Object.entries<string>(own).map(([name, value]) => [
          name,
          { type: 'string' as const, default: value },
        ]),
      ),
    },
  });
  const strings = values as Record<string, string>;
  return {
    runs: Number(strings.runs),
    seconds: Number(strings.seconds),
    senders: Number(strings.senders),
    values: strings as Record<K, string>,
  };
}

if (import.meta.main) {
  const {
    runs: RUNS,
    seconds: SECONDS,
    senders: SENDERS,
    values,
  } = ingestFlags(5, {
    points: '1000',
    encodings: 'json,json+gzip,protobuf,protobuf+gzip',
    'node-flags': '',
  });
  const POINTS = Number(values.points);
  const options = {
    seconds: SECONDS,
    senders: SENDERS,
    points: POINTS,
    nodeFlags: values['node-flags'].split(' ').filter(Boolean),
  };
  console.log(
    `collector durable ingest: ${RUNS} runs × ${SECONDS} s, ${SENDERS} senders, ${POINTS} points per batch, fresh store per run`,
  );
  for (const encoding of values.encodings.split(',') as Encoding[]) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await ingestRun(encoding, options));
    }
    console.log(
      [
        `${encoding.padEnd(14)} points/s ${fmt(runs.map((r) => r.pointsPerSecond))}`,
        `CPU s per M points ${fmt(
          runs.map((r) => r.cpuSecondsPerMillion),
          2,
        )}`,
        `collector cores ${fmt(
          runs.map((r) => r.cores),
          2,
        )}`,
        `load generator cores ${fmt(
          runs.map((r) => r.generatorCores),
          2,
        )}`,
        `RSS MiB ${fmt(runs.map((r) => r.rssMiB))}`,
        `body ${runs[0]?.bodyBytes} B`,
        `non-2xx ${runs.reduce((n, r) => n + r.failed, 0)}`,
      ].join(' | '),
    );
  }
}
