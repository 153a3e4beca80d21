import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpTypes } from '../otlp/otlp-proto.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { CURRENT_FILE, createFileSink, type FileSinkConfig } from './file-sink.ts';
import { createForwarder, type ForwardEvents } from './forwarder.ts';
import type { SendOutcome, Sink, StoredBatch } from './types.ts';

/**
 * The file sink over a real store and real files: OTLP JSON lines in the OpenTelemetry Collector
 * file exporter's format (one Export*ServiceRequest object per line), size rotation, 0600 files,
 * the cursor moving only once the lines are on disk, and a restart that neither repeats nor skips.
 */
const T0 = Date.parse('2026-11-23T06:00:00Z');
const quiet = { warn() {}, error() {} };

function sinkConfig(dir: string, maxFileBytes = 64 * 1024 * 1024): FileSinkConfig {
  return {
    type: 'file',
    dir,
    maxFileBytes,
    maxBatchesPerRequest: 4,
    maxBytesPerRequest: 4 * 1024 * 1024,
    concurrency: 1,
    timeout: 10_000,
    retry: {
      initialInterval: 10,
      maxInterval: 20,
      multiplier: 2,
      randomizationFactor: 0,
      maxRetryAfter: 100,
    },
  };
}

function counters() {
  const seen = { sent: 0, retried: 0, deadLettered: 0 };
  const events: ForwardEvents = {
    sent: (_sink, batches) => {
      seen.sent += batches;
    },
    retried: () => {
      seen.retried++;
    },
    deadLettered: (_sink, batches) => {
      seen.deadLettered += batches;
    },
    partialRejected: () => {},
  };
  return { seen, events };
}

/** Every line of every file in the directory, rotated files first (by name), then the current one. */
function allLines(dir: string): string[] {
  const rotated = readdirSync(dir)
    .filter((name) => name !== CURRENT_FILE)
    .sort();
  return [...rotated, CURRENT_FILE]
    .filter((name) => existsSync(join(dir, name)))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
    .filter((line) => line !== '');
}

type Attr = { key: string; value: { stringValue?: string; intValue?: string } };
function resourceKey(line: string): string {
  const request = JSON.parse(line) as Record<string, Array<{ resource: { attributes: Attr[] } }>>;
  const container = (request.resourceMetrics ?? request.resourceLogs)?.[0];
  const get = (key: string) => {
    const value = container?.resource.attributes.find((a) => a.key === key)?.value;
    return value?.stringValue ?? value?.intValue;
  };
  return `${get('perimeter.node.id')}/${get('perimeter.batch.seq')}`;
}

async function waitFor(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('file sink', () => {
  let collector: TestCollector;
  let dir: string;
  beforeEach(() => {
    collector = createTestCollector();
    dir = join(mkdtempSync(join(tmpdir(), 'perimeter-file-sink-')), 'archive');
  });
  afterEach(() => {
    collector.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  const post = async (seq: number, node = 'node-a') => {
    const response = await collector.post(
      'metrics',
      jsonGauge({ nodeId: node, points: [{ value: 40 + seq, timeMs: T0 + seq * 10_000 }] }),
      { token: collector.tokenFor(node), stream: `stream-${node}`, seq },
    );
    expect(response.status).toBe(200);
  };
  const batches = () => collector.store.forward.readAfter(0, 10_000, Number.MAX_SAFE_INTEGER);

  it('writes one OTLP JSON Export*ServiceRequest per line, one line per batch, files 0600 in a 0700 directory', async () => {
    await post(1);
    await post(2);
    const logs = {
      resourceLogs: [
        {
          resource: { attributes: [] },
          scopeLogs: [
            {
              logRecords: [{ timeUnixNano: `${BigInt(T0) * 1_000_000n + 7n}`, body: { stringValue: 'hi' } }],
            },
          ],
        },
      ],
    };
    const logResponse = await collector.post('logs', JSON.stringify(logs), {
      token: collector.tokenFor('node-a'),
      stream: 'stream-node-a-logs',
      seq: 1,
    });
    expect(logResponse.status).toBe(200);
    // A protobuf batch is transcoded to the same JSON.
    const protobuf = OtlpTypes.metricsRequest
      .encode(
        OtlpTypes.metricsRequest.fromObject(JSON.parse(jsonGauge({ points: [{ value: 1.5, timeMs: T0 }] }))),
      )
      .finish();
    const protoResponse = await collector.post('metrics', protobuf, {
      contentType: 'application/x-protobuf',
      token: collector.tokenFor('node-b'),
      stream: 'stream-node-b',
      seq: 1,
    });
    expect(protoResponse.status).toBe(200);

    const sink = createFileSink('archive', sinkConfig(dir), () => T0);
    expect(await sink.send(batches())).toEqual({ kind: 'ok', rejectedItems: 0 });
    await sink.close();

    const lines = allLines(dir);
    expect(lines).toHaveLength(4);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // The file exporter's shape: the request object itself, nothing wrapped around it.
    expect(parsed.map((request) => Object.keys(request))).toEqual([
      ['resourceMetrics'],
      ['resourceMetrics'],
      ['resourceLogs'],
      ['resourceMetrics'],
    ]);
    // Every line is a valid request for the collector's own OTLP decoder, timestamps exact.
    for (const request of parsed) {
      const type = 'resourceLogs' in request ? OtlpTypes.logsRequest : OtlpTypes.metricsRequest;
      expect(type.verify(type.fromObject(request))).toBeNull();
    }
    expect(lines[0]).toContain(`"timeUnixNano":"${BigInt(T0 + 10_000) * 1_000_000n}"`);
    expect(lines[2]).toContain(`"timeUnixNano":"${BigInt(T0) * 1_000_000n + 7n}"`);
    expect(lines.map(resourceKey)).toEqual(['node-a/1', 'node-a/2', 'node-a/1', 'node-b/1']);
    expect(lines[2]).toContain('"key":"perimeter.stream.id","value":{"stringValue":"stream-node-a-logs"}');
    expect(statSync(join(dir, CURRENT_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('rotates past maxFileBytes into 0600 files that are never written again, keeping every line once in order', async () => {
    for (let seq = 1; seq <= 12; seq++) {
      await post(seq);
    }
    const all = batches();
    const lineBytes = (await (async () => {
      const probeDir = join(dir, '..', 'probe');
      const probe = createFileSink('probe', sinkConfig(probeDir), () => T0);
      await probe.send([all[0] as StoredBatch]);
      await probe.close();
      return statSync(join(probeDir, CURRENT_FILE)).size;
    })()) as number;
    const maxFileBytes = Math.floor(lineBytes * 3.5);
    const sink = createFileSink('archive', sinkConfig(dir, maxFileBytes), () => T0);
    for (let i = 0; i < all.length; i += 5) {
      expect((await sink.send(all.slice(i, i + 5))).kind).toBe('ok');
    }
    await sink.close();
    const rotated = readdirSync(dir)
      .filter((name) => name !== CURRENT_FILE)
      .sort();
    // 12 lines of about lineBytes each, 3 per file: 3 rotated files and the current one.
    expect(rotated).toHaveLength(3);
    for (const name of rotated) {
      expect(name).toMatch(/^perimeter-otlp-\d{8}T\d{6}Z-\d+\.jsonl$/);
      const stats = statSync(join(dir, name));
      expect(stats.mode & 0o777).toBe(0o600);
      expect(stats.size).toBeLessThanOrEqual(maxFileBytes);
    }
    // Each rotated file is named after the first batch it holds.
    expect(rotated.map((name) => Number(/-(\d+)\.jsonl$/.exec(name)?.[1]))).toEqual(
      [0, 3, 6].map((i) => (all[i] as StoredBatch).id),
    );
    expect(allLines(dir).map(resourceKey)).toEqual(all.map((b) => `node-a/${b.seq}`));
  });

  it('moves the cursor only after the lines are on disk, and not at all while the disk refuses them', async () => {
    for (let seq = 1; seq <= 6; seq++) {
      await post(seq);
    }
    const store = collector.store.forward;
    const inner = createFileSink('archive', sinkConfig(dir), () => T0);
    const observed: Array<{ cursorDuringSend: number; linesAfterSend: number; lastId: number }> = [];
    // A pass-through sink (not a stand-in: every call goes to the real file sink) that looks at the
    // store's cursor while the write is under way and at the file once the sink returned.
    const watching: Sink = {
      ...inner,
      async send(list: readonly StoredBatch[]): Promise<SendOutcome> {
        const cursorDuringSend = store.cursor('archive');
        const outcome = await inner.send(list);
        observed.push({
          cursorDuringSend,
          linesAfterSend: allLines(dir).length,
          lastId: (list.at(-1) as StoredBatch).id,
        });
        return outcome;
      },
      close: () => inner.close(),
    };
    const { seen, events } = counters();
    const forwarder = createForwarder({
      store,
      sink: watching,
      config: sinkConfig(dir),
      events,
      log: quiet,
      nowMs: () => T0,
      random: () => 0.5,
      pollIntervalMs: 20,
    });
    forwarder.start();
    const last = (batches().at(-1) as StoredBatch).id;
    await waitFor(() => store.cursor('archive') === last, 'cursor at the last batch');
    await forwarder.stop();
    expect(seen.sent).toBe(6);
    // Requests of 4 then 2: while each was being written the cursor was still before it.
    expect(observed.map((o) => o.linesAfterSend)).toEqual([4, 6]);
    expect(observed[0]?.cursorDuringSend).toBe(0);
    expect(observed[1]?.cursorDuringSend).toBe(observed[0]?.lastId);

    // A disk that refuses writes (/dev/full: ENOSPC on every write): retried, the cursor stays.
    const fullDir = join(dir, '..', 'full');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(fullDir, { mode: 0o700 });
    symlinkSync('/dev/full', join(fullDir, CURRENT_FILE));
    const fullSink = createFileSink('full', sinkConfig(fullDir), () => T0);
    const outcome = await fullSink.send(batches());
    expect(outcome.kind).toBe('retryable');
    expect(outcome.kind === 'retryable' && outcome.reason).toMatch(/ENOSPC/);
    const failing = counters();
    const stuck = createForwarder({
      store,
      sink: fullSink,
      config: sinkConfig(fullDir),
      events: failing.events,
      log: quiet,
      nowMs: () => T0,
      random: () => 0.5,
      pollIntervalMs: 20,
    });
    stuck.start();
    await waitFor(() => failing.seen.retried >= 3, 'three retries');
    await stuck.stop();
    expect(store.cursor('full')).toBe(0);
    expect(failing.seen.sent).toBe(0);
  });

  it('resumes after a restart from the cursor: no line written twice, none missing', async () => {
    const store = collector.store.forward;
    const run = async () => {
      const { events } = counters();
      const forwarder = createForwarder({
        store,
        sink: createFileSink('archive', sinkConfig(dir, 4096), () => T0),
        config: sinkConfig(dir, 4096),
        events,
        log: quiet,
        nowMs: () => T0,
        random: () => 0.5,
        pollIntervalMs: 20,
      });
      forwarder.start();
      const last = (batches().at(-1) as StoredBatch).id;
      await waitFor(() => store.cursor('archive') === last, 'cursor at the last batch');
      await forwarder.stop();
    };
    for (let seq = 1; seq <= 7; seq++) {
      await post(seq);
    }
    await run();
    expect(allLines(dir)).toHaveLength(7);
    for (let seq = 8; seq <= 15; seq++) {
      await post(seq);
    }
    await run();
    await run(); // nothing new: nothing written
    expect(allLines(dir).map(resourceKey)).toEqual(Array.from({ length: 15 }, (_, i) => `node-a/${i + 1}`));
  });
});
