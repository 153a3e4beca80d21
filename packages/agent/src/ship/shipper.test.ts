import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerimeterHeaders } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../samplers/types.ts';
import { openSpool } from '../spool/spool.ts';
import type { Spool } from '../spool/types.ts';
import {
  findClosedPort,
  type ScriptedCollector,
  scriptFromList,
  startScriptedCollector,
} from './scripted-collector.ts';
import { createShipper, type Shipper, type ShipperOptions } from './shipper.ts';
import { createTimerSleeper } from './sleep.ts';

let dir: string;
let spool: Spool;
let collector: ScriptedCollector | undefined;
const stops: (() => Promise<void>)[] = [];
const realSleep = createTimerSleeper().sleep;
const sleeps: number[] = [];
/** Records the delay the shipper asked for, but waits at most 5 ms of real time. */
const fastSleep: ShipperOptions['sleep'] = (ms, signal) => {
  sleeps.push(ms);
  return realSleep(Math.min(ms, 5), signal);
};
const logs: { level: string; msg?: string; obj: object }[] = [];
const log: Logger = {
  debug: (obj, msg) => logs.push({ level: 'debug', obj, msg }),
  info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
  warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
  error: (obj, msg) => logs.push({ level: 'error', obj, msg }),
};

const shipperOptions = (url: string): ShipperOptions => ({
  spool,
  collectorUrl: url,
  token: 'secret-token',
  gzip: true,
  timeoutMs: 2000,
  backoff: { initialMs: 100, maxMs: 400, multiplier: 2, randomizationFactor: 0, maxRetryAfterMs: 300_000 },
  clock: { nowMs: () => Date.now() },
  sleep: fastSleep,
  random: () => 0.5,
  log,
});

function startShipper(url: string, overrides: Partial<ShipperOptions> = {}): Shipper {
  const shipper = createShipper({ ...shipperOptions(url), idlePollMs: 20, ...overrides });
  const controller = new AbortController();
  const running = shipper.run(controller.signal);
  stops.push(async () => {
    controller.abort();
    await running;
  });
  return shipper;
}

const body = (n: number) => new Uint8Array(64).fill(n);
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await realSleep(5);
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-ship-'));
  spool = openSpool({
    path: join(dir, 'spool.db'),
    maxBytes: 10_000_000,
    clock: { nowMs: () => Date.now() },
  });
  sleeps.length = 0;
  logs.length = 0;
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await collector?.close();
  collector = undefined;
  spool.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('shipper', () => {
  it('sends each batch with the OTLP and Perimeter headers, gzipped, to the signal path, in seq order', async () => {
    collector = await startScriptedCollector();
    const seqs = [
      spool.append('metrics', body(1)),
      spool.append('logs', body(2)),
      spool.append('metrics', body(3)),
    ];
    const shipper = startShipper(collector.url);
    const requests = await collector.waitForRequests(3);
    await shipper.whenIdle();
    expect(requests.map((r) => r.path)).toEqual(['/v1/metrics', '/v1/logs', '/v1/metrics']);
    expect(requests.map((r) => Number(r.headers[PerimeterHeaders.seq]))).toEqual(seqs);
    const [first] = requests;
    expect(first?.headers).toMatchObject({
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
      authorization: 'Bearer secret-token',
      [PerimeterHeaders.stream]: spool.streamId,
    });
    expect([...(first?.body ?? [])]).toEqual([...body(1)]);
    expect(first?.raw.equals(Buffer.from(body(1)))).toBe(false);
    expect(spool.stats().batches).toBe(0);
    expect(shipper.stats()).toMatchObject({ shippedBatches: 3, shippedBytes: 192, retries: 0 });
    expect(JSON.stringify(logs)).not.toContain('secret-token');
  });

  it('sends the body uncompressed when gzip is off', async () => {
    collector = await startScriptedCollector();
    spool.append('logs', body(4));
    startShipper(collector.url, { gzip: false });
    const [request] = await collector.waitForRequests(1);
    expect(request?.headers['content-encoding']).toBeUndefined();
    expect(request?.raw.equals(Buffer.from(body(4)))).toBe(true);
  });

  it('on 503 with Retry-After: 1 waits at least 1 s, then delivers the batch once and deletes it', async () => {
    collector = await startScriptedCollector(
      scriptFromList([{ status: 503, headers: { 'retry-after': '1' }, body: 'shedding load' }]),
    );
    const seq = spool.append('metrics', body(1));
    const shipper = startShipper(collector.url);
    await collector.waitForRequests(2);
    await shipper.whenIdle();
    expect(collector.requests.map((r) => r.headers[PerimeterHeaders.seq])).toEqual([
      String(seq),
      String(seq),
    ]);
    expect(sleeps).toContain(1000);
    expect(spool.stats().batches).toBe(0);
    expect(shipper.stats()).toMatchObject({ shippedBatches: 1, retries: 1, deadLettered: 0 });
  });

  it('uses the backoff when it is longer than Retry-After, and grows it per attempt', async () => {
    collector = await startScriptedCollector(
      scriptFromList([{ status: 429, headers: { 'retry-after': '0' } }, { status: 502 }, { status: 504 }]),
    );
    spool.append('metrics', body(1));
    const shipper = startShipper(collector.url);
    await collector.waitForRequests(4);
    await shipper.whenIdle();
    expect(sleeps.filter((ms) => ms !== 20)).toEqual([100, 200, 400]);
  });

  it('moves a batch the collector rejects with 500 to dead_letter with its reason, and goes on', async () => {
    collector = await startScriptedCollector(scriptFromList([{ status: 500, body: 'decoder exploded' }]));
    const bad = spool.append('metrics', body(1));
    const good = spool.append('metrics', body(2));
    const shipper = startShipper(collector.url);
    await collector.waitForRequests(2);
    await shipper.whenIdle();
    expect(collector.requests.map((r) => Number(r.headers[PerimeterHeaders.seq]))).toEqual([bad, good]);
    expect(spool.listDeadLetters(10)).toMatchObject([
      { seq: bad, status: 500, reason: 'HTTP 500: decoder exploded' },
    ]);
    expect(shipper.stats()).toMatchObject({ deadLettered: 1, shippedBatches: 1, retries: 0 });
    expect(logs.some((l) => l.level === 'error' && l.msg?.includes('dead_letter'))).toBe(true);
  });

  it('dead-letters 400 and 413 too', async () => {
    collector = await startScriptedCollector(
      scriptFromList([
        { status: 400, body: '{"error":"resourceMetrics[0].scopeMetrics: expected array"}' },
        { status: 413 },
      ]),
    );
    spool.append('metrics', body(1));
    spool.append('logs', body(2));
    const shipper = startShipper(collector.url);
    await collector.waitForRequests(2);
    await shipper.whenIdle();
    expect(spool.listDeadLetters(10).map((d) => [d.status, d.reason])).toEqual([
      [400, 'HTTP 400: {"error":"resourceMetrics[0].scopeMetrics: expected array"}'],
      [413, 'HTTP 413'],
    ]);
  });

  it('keeps the batch on 401, logs loudly, backs off and delivers once the token is accepted', async () => {
    collector = await startScriptedCollector(scriptFromList([{ status: 401 }, { status: 403 }]));
    const seq = spool.append('metrics', body(1));
    const shipper = startShipper(collector.url);
    await collector.waitForRequests(2);
    expect(spool.peekOldest(1)[0]?.seq).toBe(seq);
    await collector.waitForRequests(3);
    await shipper.whenIdle();
    expect(shipper.stats()).toMatchObject({
      authFailures: 2,
      retries: 2,
      shippedBatches: 1,
      deadLettered: 0,
    });
    expect(logs.filter((l) => l.level === 'error' && l.msg?.includes('token'))).toHaveLength(2);
  });

  it('retries a refused connection and delivers when the collector comes up', async () => {
    const port = await findClosedPort();
    spool.append('metrics', body(1));
    const shipper = startShipper(`http://127.0.0.1:${port}`);
    await until(() => shipper.stats().retries >= 2);
    expect(spool.stats().batches).toBe(1);
    expect(shipper.stats().lastError).toMatch(/ECONNREFUSED/);
    collector = await startScriptedCollector(undefined, port);
    await collector.waitForRequests(1);
    await shipper.whenIdle();
    expect(spool.stats().batches).toBe(0);
  });

  it('caps the wait at refusedMaxMs only while connections are refused; answers and resets get the full backoff', async () => {
    const port = await findClosedPort();
    spool.append('metrics', body(1));
    const backoff = { ...shipperOptions('').backoff, refusedMaxMs: 150 };
    const shipper = startShipper(`http://127.0.0.1:${port}`, { backoff });
    await until(() => shipper.stats().retries >= 4);
    collector = await startScriptedCollector(scriptFromList([{ status: 503 }, 'destroy']), port);
    await collector.waitForRequests(3);
    await shipper.whenIdle();
    const waits = sleeps.filter((ms) => ms !== 20);
    const refused = waits.slice(0, -2);
    // 100 ms × 2ⁿ would be 100, 200, 400, 400…: refused tries stop at 150 ms.
    expect(refused.slice(0, 4)).toEqual([100, 150, 150, 150]);
    expect(refused.every((ms) => ms <= 150)).toBe(true);
    // The collector answered 503, then reset the connection: both wait the full 400 ms cap.
    expect(waits.slice(-2)).toEqual([400, 400]);
    expect(spool.stats().batches).toBe(0);
  });

  it('never deletes a batch before a 2xx: a collector killed mid-request leaves the batch spooled', async () => {
    collector = await startScriptedCollector(() => 'hang');
    const seq = spool.append('metrics', body(1));
    const shipper = startShipper(collector.url);
    await collector.waitForRequests(1);
    expect(spool.peekOldest(1)[0]?.seq).toBe(seq);
    const port = collector.port;
    await collector.close();
    await until(() => shipper.stats().retries >= 1);
    expect(spool.peekOldest(1)[0]?.seq).toBe(seq);
    collector = await startScriptedCollector(scriptFromList(['destroy']), port);
    await collector.waitForRequests(2);
    await shipper.whenIdle();
    expect(collector.requests.map((r) => Number(r.headers[PerimeterHeaders.seq]))).toEqual([seq, seq]);
    expect(shipper.stats()).toMatchObject({ shippedBatches: 1 });
  });

  it('treats a request that outlives its timeout as retryable', async () => {
    collector = await startScriptedCollector(scriptFromList(['hang']));
    spool.append('logs', body(1));
    const shipper = startShipper(collector.url, { timeoutMs: 100 });
    await collector.waitForRequests(2);
    await shipper.whenIdle();
    expect(logs.some((l) => JSON.stringify(l.obj).includes('request timed out'))).toBe(true);
    expect(shipper.stats()).toMatchObject({ retries: 1, shippedBatches: 1 });
  });

  it('stops promptly on abort during a long backoff and keeps the batch', async () => {
    collector = await startScriptedCollector(() => ({ status: 503, headers: { 'retry-after': '3600' } }));
    spool.append('metrics', body(1));
    const shipper = createShipper({
      spool,
      collectorUrl: collector.url,
      token: 't',
      gzip: true,
      timeoutMs: 1000,
      backoff: {
        initialMs: 100,
        maxMs: 100,
        multiplier: 2,
        randomizationFactor: 0,
        maxRetryAfterMs: 300_000,
      },
      clock: { nowMs: () => Date.now() },
      sleep: realSleep,
      random: () => 0,
      log,
    });
    const controller = new AbortController();
    const running = shipper.run(controller.signal);
    await collector.waitForRequests(1);
    await until(() => shipper.stats().retries === 1);
    const started = Date.now();
    controller.abort();
    await running;
    expect(Date.now() - started).toBeLessThan(500);
    expect(spool.stats().batches).toBe(1);
  });

  it('counts partial_success rejections, does not retry them, and deletes the batch', async () => {
    collector = await startScriptedCollector(
      scriptFromList([
        {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ partialSuccess: { rejectedDataPoints: 3, errorMessage: 'NaN values' } }),
        },
      ]),
    );
    spool.append('metrics', body(1));
    const shipper = startShipper(collector.url);
    await collector.waitForRequests(1);
    await shipper.whenIdle();
    expect(shipper.stats()).toMatchObject({ partialRejected: 3, shippedBatches: 1, retries: 0 });
    expect(collector.requests).toHaveLength(1);
  });
});

describe('cleartext warning', () => {
  const cleartextWarnings = () => logs.filter((l) => l.level === 'warn' && /cleartext/.test(l.msg ?? ''));
  const shipperFor = (url: string) => createShipper(shipperOptions(url));

  it('warns once for an http:// collector off loopback (the token would cross the network in the clear)', () => {
    shipperFor('http://10.0.0.5:4318');
    expect(cleartextWarnings()).toHaveLength(1);
    expect(cleartextWarnings()[0]?.obj).toEqual({ collector: 'http://10.0.0.5:4318' });
  });

  it('stays quiet for https:// anywhere and for http:// on loopback', () => {
    for (const url of [
      'https://10.0.0.5:4318',
      'http://127.0.0.1:4318',
      'http://localhost:4318',
      'http://[::1]:4318',
    ]) {
      shipperFor(url);
    }
    expect(cleartextWarnings()).toEqual([]);
  });
});
