import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PerimeterHeaders } from '@perimeter/schema';
import type Database from 'better-sqlite3';
import type { Hono } from 'hono';
import { pino } from 'pino';
import { createApp } from '../http/app.ts';
import { type AdmissionPolicy, DEFAULT_ADMISSION } from '../ingest/admission.ts';
import { createSelfMetrics, type SelfMetrics } from '../metrics/self-metrics.ts';
import { decodeSampleBlock } from '../store/sample-block.ts';
import { openStore, type Store } from '../store/store.ts';
import { createToken, createTokenVerifier, type TokenRole } from '../tokens/token-store.ts';
import { openStoreSqlite } from './store-sqlite.ts';

/** A real collector app over a real SQLite store in a temp dir, driven with app.request (no socket). */
export interface TestCollector {
  app: Hono;
  store: Store;
  metrics: SelfMetrics;
  dataDir: string;
  clock: { nowMs: number };
  tokenFor(nodeId: string, role?: TokenRole): string;
  post(signal: 'metrics' | 'logs', body: string | Uint8Array, init?: PostOptions): Promise<Response>;
  batchCount(): number;
  /** Every stored sample as { seriesId, tsMs, value }, decoded from the sample blocks. */
  samples(): Array<{ seriesId: number; tsMs: number; value: number }>;
  /** A raw second connection to the store file (store-sqlite.ts), opened on first use. */
  sqlite(): Database.Database;
  close(): void;
}

export interface PostOptions {
  token?: string;
  contentType?: string;
  gzip?: boolean;
  stream?: string;
  seq?: number | string;
  headers?: Record<string, string>;
}

export const TEST_LIMITS = {
  maxBodyBytes: 1024 * 1024,
  maxDecompressedBytes: 4 * 1024 * 1024,
  maxItemsPerRequest: 50_000,
};

export function createTestCollector(
  options: { dataDir?: string; admission?: Partial<AdmissionPolicy> } = {},
): TestCollector {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'perimeter-collector-'));
  const store = openStore({ dataDir, synchronous: 'NORMAL' });
  let sqlite: Database.Database | undefined;
  const metrics = createSelfMetrics(store);
  const clock = { nowMs: Date.parse('2026-11-23T06:00:00Z') };
  const app = createApp({
    store,
    metrics,
    verifyToken: createTokenVerifier(store),
    limits: TEST_LIMITS,
    admission: { ...DEFAULT_ADMISSION, ...options.admission },
    nowMs: () => clock.nowMs,
    log: pino({ level: 'silent' }),
    isReady: () => true,
  });
  const tokens = new Map<string, string>();
  const tokenFor = (nodeId: string, role: TokenRole = 'node') => {
    const key = `${nodeId}/${role}`;
    let token = tokens.get(key);
    if (!token) {
      token = createToken(store, { nodeId, role, actor: 'test', nowMs: clock.nowMs }).token;
      tokens.set(key, token);
    }
    return token;
  };
  return {
    app,
    store,
    metrics,
    dataDir,
    clock,
    tokenFor,
    post(signal, body, init = {}) {
      const headers: Record<string, string> = {
        'content-type': init.contentType ?? 'application/json',
        ...init.headers,
      };
      const token = init.token ?? tokenFor('node-a');
      if (token !== '') {
        headers.authorization = `Bearer ${token}`;
      }
      let payload = body;
      if (init.gzip) {
        headers['content-encoding'] = 'gzip';
        payload = gzipSync(typeof body === 'string' ? Buffer.from(body) : body);
      }
      if (init.stream !== undefined) {
        headers[PerimeterHeaders.stream] = init.stream;
      }
      if (init.seq !== undefined) {
        headers[PerimeterHeaders.seq] = String(init.seq);
      }
      return Promise.resolve(app.request(`/v1/${signal}`, { method: 'POST', headers, body: payload }));
    },
    batchCount: () => store.batches.countBetween(0, Number.MAX_SAFE_INTEGER),
    samples: () =>
      [...store.samples.blocksAfter(0)]
        .flatMap(({ samples }) => decodeSampleBlock(samples))
        .map(([seriesId, tsMs, value]) => ({ seriesId, tsMs, value })),
    sqlite() {
      sqlite ??= openStoreSqlite(dataDir);
      return sqlite;
    },
    close() {
      sqlite?.close();
      void store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One gauge batch an hour from `fromMs` (node-a, stream-a, seq 1, 2, …), each stored or it throws. */
export async function postHourlyGauges(
  collector: TestCollector,
  hours: number,
  fromMs: number,
): Promise<void> {
  for (let hour = 0; hour < hours; hour++) {
    collector.clock.nowMs = fromMs + hour * 3_600_000;
    const body = jsonGauge({ nodeId: 'node-a', points: [{ value: hour, timeMs: collector.clock.nowMs }] });
    const response = await collector.post('metrics', body, { stream: 'stream-a', seq: hour + 1 });
    if (response.status !== 200) {
      throw new Error(`hour ${hour} not stored: ${response.status} ${await response.text()}`);
    }
  }
}

/** An OTLP/JSON metrics request with one gauge, as a spec-following client writes it. */
export function jsonGauge(options: {
  nodeId?: string;
  name?: string;
  unit?: string;
  points: Array<{ value: number | string; timeMs: number; attributes?: Record<string, string> }>;
}): string {
  const resourceAttributes = options.nodeId
    ? [{ key: 'perimeter.node.id', value: { stringValue: options.nodeId } }]
    : [];
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: resourceAttributes },
        scopeMetrics: [
          {
            scope: { name: 'test' },
            metrics: [
              {
                name: options.name ?? 'hw.temperature',
                unit: options.unit ?? 'Cel',
                gauge: {
                  dataPoints: options.points.map((point) => ({
                    timeUnixNano: `${BigInt(point.timeMs) * 1_000_000n}`,
                    asDouble: point.value,
                    attributes: Object.entries(point.attributes ?? {}).map(([key, value]) => ({
                      key,
                      value: { stringValue: value },
                    })),
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  });
}
