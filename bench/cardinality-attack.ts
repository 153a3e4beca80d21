#!/usr/bin/env node --expose-gc
/**
 * Issue 18's cardinality attack, re-measured: one node token sends 300,000 one-off series in three
 * gzip protobuf requests of 100,000 points each.
 *
 * Part 1, a real `perimeter-collector serve` on loopback with the shipped caps (ingest.* defaults):
 * what each request gets back (status, partial_success), the refusals by reason, the series
 * stored, the collector's RSS and the /metrics size and time.
 *
 * Part 2, in this process over a real store, the caps raised so all 300,000 get in (what the
 * issue measured before the caps) and then the clock moved past retention: series in memory,
 * heap, and /metrics time before and after the retention run lets the idle series leave memory.
 *
 * Prints figures; asserts nothing about time.
 *
 *   node --expose-gc bench/cardinality-attack.ts [--series 300000] [--requests 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { collectorConfigSchema } from '@perimeter/schema';
import { createRetention } from '../packages/collector/src/evidence/retention.ts';
import { createApp } from '../packages/collector/src/http/app.ts';
import { DEFAULT_ADMISSION } from '../packages/collector/src/ingest/admission.ts';
import { createSelfMetrics } from '../packages/collector/src/metrics/self-metrics.ts';
import { OtlpTypes } from '../packages/collector/src/otlp/otlp-proto.ts';
import { openStore } from '../packages/collector/src/store/store.ts';
import { createToken, createTokenVerifier } from '../packages/collector/src/tokens/token-store.ts';
import { startCollectorProcess } from '../test/helpers/collector-process.ts';
import { rssBytes } from '../test/helpers/processes.ts';

const { values } = parseArgs({
  options: { series: { type: 'string', default: '300000' }, requests: { type: 'string', default: '3' } },
});
const SERIES = Number(values.series);
const REQUESTS = Number(values.requests);
const PER_REQUEST = Math.ceil(SERIES / REQUESTS);
const DAY = 86_400_000;
const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

/** One request of `count` points, each its own series (a unique label value), as gzip protobuf. */
function attackBody(from: number, count: number, timeMs: number): Uint8Array {
  const timeUnixNano = `${BigInt(timeMs) * 1_000_000n}`;
  const object = {
    resourceMetrics: [
      {
        resource: { attributes: [kv('perimeter.node.id', 'attacker')] },
        scopeMetrics: [
          {
            scope: { name: 'bomb' },
            metrics: [
              {
                name: 'bomb.series',
                unit: '1',
                gauge: {
                  dataPoints: Array.from({ length: count }, (_, i) => ({
                    timeUnixNano,
                    asDouble: i,
                    attributes: [kv('id', `${from + i}`)],
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  };
  return gzipSync(OtlpTypes.metricsRequest.encode(OtlpTypes.metricsRequest.fromObject(object)).finish());
}

const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' };

/** fetch, once more when the server had closed the kept-alive socket under it (as console-auth.test.ts does). */
const fetchPastClosedSocket = (url: string, init?: RequestInit) =>
  fetch(url, init).catch((error: Error & { cause?: { code?: string } }) => {
    if (error.cause?.code === 'UND_ERR_SOCKET') {
      return fetch(url, init);
    }
    throw error;
  });

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const began = performance.now();
  const value = await run();
  return { value, ms: performance.now() - began };
}

async function realProcess(): Promise<void> {
  console.log(
    `\n## 1. Real collector, default caps (${SERIES.toLocaleString('en-US')} series in ${REQUESTS} requests)\n`,
  );
  const collector = await startCollectorProcess({ logLevel: 'warn' });
  try {
    const pid = collector.child.pid as number;
    const token = collector.createToken('attacker');
    const reader = collector.createToken('prometheus', 'reader');
    const scrape = () =>
      timed(async () =>
        (await fetch(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${reader}` } })).text(),
      );
    await scrape();
    const rssBefore = rssBytes(pid);
    const now = Date.now();
    for (let r = 0; r < REQUESTS; r++) {
      const body = attackBody(r * PER_REQUEST, PER_REQUEST, now);
      const { value: response, ms } = await timed(() =>
        fetchPastClosedSocket(`${collector.url}/v1/metrics`, {
          method: 'POST',
          headers: { ...HEADERS, authorization: `Bearer ${token}` },
          body,
        }),
      );
      const answer = response.headers.get('content-type')?.includes('protobuf')
        ? OtlpTypes.metricsResponse.toObject(
            OtlpTypes.metricsResponse.decode(new Uint8Array(await response.arrayBuffer())),
          )
        : await response.text();
      console.log(
        `request ${r + 1}: ${(body.byteLength / MiB).toFixed(2)} MiB gzip → ${response.status} in ${ms.toFixed(0)} ms; ${JSON.stringify(answer).slice(0, 300)}`,
      );
    }
    const rssAfter = rssBytes(pid);
    const [{ stored }] = collector.query<{ stored: number }>(
      `SELECT count(*) AS stored FROM series WHERE node_id = 'attacker'`,
    ) as [{ stored: number }];
    const scrapes = [await scrape(), await scrape(), await scrape()];
    const text = scrapes[0]?.value ?? '';
    const rejects = text
      .split('\n')
      .filter((line) => line.startsWith('perimeter_ingest_rejects_total') && !line.endsWith(' 0'));
    console.log(`series stored for the node: ${stored.toLocaleString('en-US')}`);
    console.log(`collector RSS: ${mib(rssBefore)} before → ${mib(rssAfter)} after`);
    console.log(
      `/metrics: ${(text.length / 1024).toFixed(0)} KiB, ${scrapes.map((s) => s.ms.toFixed(0)).join(' / ')} ms (3 scrapes)`,
    );
    console.log(`refusals counted:\n  ${rejects.join('\n  ')}`);
  } finally {
    await collector.stop();
    rmSync(collector.dataDir, { recursive: true, force: true });
  }
}

async function evictionInProcess(): Promise<void> {
  console.log(
    `\n## 2. In process, caps raised (all ${SERIES.toLocaleString('en-US')} admitted), then past retention\n`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-bench-cardinality-'));
  const store = openStore({ dataDir, synchronous: 'NORMAL' });
  const clock = { nowMs: Date.parse('2026-11-01T00:00:00Z') };
  const config = collectorConfigSchema.parse({});
  const app = createApp({
    store,
    metrics: createSelfMetrics(store),
    verifyToken: createTokenVerifier(store),
    limits: config.limits,
    admission: { ...DEFAULT_ADMISSION, maxSeriesPerNode: SERIES * 2, maxNewSeriesPerRequest: SERIES },
    nowMs: () => clock.nowMs,
    log: { warn: () => {}, error: () => {} },
    isReady: () => true,
  });
  const token = createToken(store, {
    nodeId: 'attacker',
    role: 'node',
    actor: 'bench',
    nowMs: clock.nowMs,
  }).token;
  const post = (body: Uint8Array) =>
    app.request('/v1/metrics', {
      method: 'POST',
      headers: { ...HEADERS, authorization: `Bearer ${token}` },
      body,
    });
  const scrape = async () => timed(async () => (await app.request('/metrics')).text());
  const heap = () => {
    globalThis.gc?.();
    return process.memoryUsage();
  };
  const t0 = clock.nowMs;
  const h0 = heap();
  for (let r = 0; r < REQUESTS; r++) {
    const response = await post(attackBody(r * PER_REQUEST, PER_REQUEST, t0));
    if (response.status !== 200) throw new Error(`request ${r + 1}: ${response.status}`);
  }
  const h1 = heap();
  const fresh = await scrape();
  console.log(
    `after the attack: ${store.series.size().toLocaleString('en-US')} series in memory; heap ${mib(h0.heapUsed)} → ${mib(h1.heapUsed)}, RSS ${mib(h0.rss)} → ${mib(h1.rss)}`,
  );
  console.log(
    `/metrics while fresh: ${(fresh.value.length / MiB).toFixed(1)} MiB in ${fresh.ms.toFixed(0)} ms`,
  );

  // 31 days on: the node still reports one ordinary series.
  clock.nowMs = t0 + 31 * DAY;
  await post(attackBody(0, 1, clock.nowMs));
  const stale = await scrape();
  console.log(
    `31 days later, before retention: ${store.series.size().toLocaleString('en-US')} series in memory; /metrics ${(stale.value.length / 1024).toFixed(0)} KiB in ${stale.ms.toFixed(0)} ms`,
  );
  const retention = createRetention(store, config.retention);
  const { value: result, ms } = await timed(async () => retention.enforce(clock.nowMs));
  const h2 = heap();
  const after = await scrape();
  console.log(
    `retention run (${ms.toFixed(0)} ms): ${result.seriesEvicted.toLocaleString('en-US')} series left memory, ${result.metricBatches} metric batches pruned`,
  );
  console.log(
    `after retention: ${store.series.size().toLocaleString('en-US')} series in memory; heap ${mib(h2.heapUsed)}, RSS ${mib(h2.rss)}; /metrics ${(after.value.length / 1024).toFixed(0)} KiB in ${after.ms.toFixed(0)} ms`,
  );
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}

await realProcess();
await evictionInProcess();
