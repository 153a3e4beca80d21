import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CollectorConfig, collectorConfigSchema } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCheckpoint } from '../integrity/checkpoint.ts';
import {
  CHECKPOINT_EVENT,
  CheckpointAttributeNames,
  checkpointDocumentsIn,
} from '../integrity/checkpoint-record.ts';
import { runVerifyCommand } from '../integrity/integrity-command.ts';
import { createSigningKeyFiles, loadSigningKey, type SigningKey } from '../integrity/keys.ts';
import { toJsonObject } from '../otlp/otlp-transcode.ts';
import { type LoopbackUpstream, startLoopbackUpstream } from '../test-support/loopback-upstream.ts';
import { createTestCollector, type TestCollector } from '../test-support/test-collector.ts';
import { startTestForwarder, storeNodeABatches, T0, waitFor } from './forward-fixture.ts';
import type { ForwardEvents } from './forwarder.ts';
import { decodeWriteRequest } from './prompb.ts';

/**
 * Signed checkpoints off the box through the OTLP and remote-write sinks, on a real store with a
 * real key, against a real upstream on loopback: each checkpoint goes out once it is acknowledged,
 * in order, through an outage and a restart (its own cursor in the store), and the log record the
 * upstream received is, alone, enough for `verify --checkpoint` to check the store offline.
 */

type Attr = { key: string; value: { stringValue?: string; intValue?: string } };
type LogRecord = { eventName?: string; body?: { stringValue?: string }; attributes: Attr[] };
/** The log records of a request the upstream got, as OTLP/JSON (protobuf transcoded as a gateway would). */
function logRecordsIn(body: Buffer, contentType: string): LogRecord[] {
  const json = contentType.includes('json')
    ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>)
    : toJsonObject({ signal: 'logs', contentType, contentEncoding: '', payload: body }, []);
  const resources = json.resourceLogs as Array<{ scopeLogs: Array<{ logRecords: LogRecord[] }> }>;
  return resources.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
}
const attribute = (record: LogRecord | undefined, key: string) =>
  record?.attributes.find((a) => a.key === key)?.value;

function sinkConfig(extra: object): CollectorConfig['forward'][number] {
  return collectorConfigSchema.parse({
    forward: [
      {
        name: 'up',
        concurrency: 1,
        retry: { initialInterval: '100ms', maxInterval: '1s', randomizationFactor: 0 },
        timeout: '2s',
        ...extra,
      },
    ],
  }).forward[0] as CollectorConfig['forward'][number];
}

describe('checkpoints through the forward sinks', () => {
  let collector: TestCollector;
  let upstream: LoopbackUpstream;
  let work: string;
  let key: SigningKey;
  const retried: string[] = [];
  const events: ForwardEvents = {
    sent() {},
    retried: (_sink, reason) => {
      retried.push(reason);
    },
    deadLettered() {},
    partialRejected() {},
  };

  beforeEach(async () => {
    retried.length = 0;
    work = mkdtempSync(join(tmpdir(), 'perimeter-checkpoint-forward-'));
    key = loadSigningKey(createSigningKeyFiles(join(work, 'keys')).privateKeyPath);
    collector = createTestCollector();
    upstream = await startLoopbackUpstream();
    await storeNodeABatches(collector, 3);
  });
  afterEach(async () => {
    collector.close();
    await upstream.close();
    rmSync(work, { recursive: true, force: true });
  });

  const checkpoint = (atMs: number) => makeCheckpoint(collector.store, key, { retention: {} }, atMs);
  const forwarderFor = (config: CollectorConfig['forward'][number], pollIntervalMs = 20) =>
    startTestForwarder({ collector, config, events, sleep: () => {}, pollIntervalMs });
  const cursor = () => collector.store.forward.checkpointCursor('up');
  const verify = (args: string[]) => {
    let out = '';
    const code = runVerifyCommand(['--data-dir', collector.dataDir, ...args], {
      stdout: {
        write: (text: string) => {
          out += text;
          return true;
        },
      } as NodeJS.WritableStream,
      env: {},
      nowMs: () => T0,
    });
    return { code, out };
  };

  it('OTLP: sends each checkpoint as an integrity.checkpoint log record, retried through a 503, and the upstream copy alone verifies the store', async () => {
    const first = checkpoint(T0 + 60_000);
    const second = checkpoint(T0 + 120_000);
    upstream.script({ status: 503 }, { status: 503 });
    const forwarder = forwarderFor(sinkConfig({ type: 'otlp', endpoint: upstream.url }));
    await waitFor(() => cursor() === 2, 'the checkpoint cursor at 2');
    await waitFor(() => collector.store.forward.cursor('up') > 0, 'the batches sent');
    await forwarder.stop();

    const logs = upstream.received.filter((r) => r.path === '/v1/logs');
    expect(retried).toEqual(['503', '503']);
    const records = logs.map((r) => logRecordsIn(r.body, String(r.headers['content-type'])));
    expect(
      records.map((list) => list.map((record) => attribute(record, CheckpointAttributeNames.seq))),
    ).toEqual([[{ intValue: '1' }], [{ intValue: '1' }], [{ intValue: '1' }], [{ intValue: '2' }]]);
    const record = records.at(-1)?.[0];
    expect(record?.eventName).toBe(CHECKPOINT_EVENT);
    expect(record?.body).toEqual({ stringValue: 'integrity.checkpoint #2' });
    expect(attribute(record, CheckpointAttributeNames.time)).toEqual({
      stringValue: new Date(T0 + 120_000).toISOString(),
    });
    expect(attribute(record, CheckpointAttributeNames.keyId)).toEqual({ stringValue: key.keyId });
    expect(attribute(record, CheckpointAttributeNames.hash)).toEqual({ stringValue: second.hash });
    expect(attribute(record, CheckpointAttributeNames.previousHash)).toEqual({ stringValue: first.hash });
    expect(attribute(record, CheckpointAttributeNames.signature)).toEqual({
      stringValue: second.envelope.signature,
    });

    // Offline, from the upstream's copy alone: the document verifies the store, and a renamed
    // metric afterwards is BROKEN against it.
    const gatewayView = toJsonObject(
      {
        signal: 'logs',
        contentType: 'application/x-protobuf',
        contentEncoding: '',
        payload: logs.at(-1)?.body ?? Buffer.alloc(0),
      },
      [],
    );
    const [document] = checkpointDocumentsIn(gatewayView);
    const file = join(work, 'upstream-checkpoint.json');
    writeFileSync(file, `${document}\n`);
    const intact = verify(['--checkpoint', file]);
    expect(intact.out).toMatch(/^INTACT: 1 node\(s\) verified against checkpoint 2 /);
    expect(intact.code).toBe(0);
    // Every copy the upstream got (retries included) as JSON lines: the newest is the reference.
    const lines = join(work, 'upstream-checkpoints.jsonl');
    writeFileSync(
      lines,
      logs
        .flatMap((r) =>
          checkpointDocumentsIn(
            toJsonObject(
              { signal: 'logs', contentType: 'application/x-protobuf', contentEncoding: '', payload: r.body },
              [],
            ),
          ),
        )
        .map((text) => `${text}\n`)
        .join(''),
    );
    expect(verify(['--checkpoint', lines]).out).toMatch(
      /^INTACT: 1 node\(s\) verified against checkpoint 2 of \S+ \(\S+upstream-checkpoints\.jsonl:4, key/,
    );
    collector.sqlite().prepare("UPDATE series SET metric = 'hw.fan.speed' WHERE node_id = 'node-a'").run();
    const broken = verify(['--checkpoint', file]);
    expect(broken.code).toBe(3);
    expect(broken.out).toMatch(/^BROKEN/);
  });

  it('OTLP: a checkpoint made during an outage stays queued across a restart and goes out when the upstream is back', async () => {
    upstream.answerWith(() => ({ status: 503 }));
    const down = forwarderFor(sinkConfig({ type: 'otlp', endpoint: upstream.url, encoding: 'json' }));
    checkpoint(T0 + 60_000);
    down.wake();
    await waitFor(() => retried.length >= 3, 'three retries');
    await down.stop();
    expect(cursor()).toBe(0);

    upstream.answerWith(() => ({ status: 200 }));
    upstream.received.length = 0;
    const up = forwarderFor(sinkConfig({ type: 'otlp', endpoint: upstream.url, encoding: 'json' }));
    await waitFor(() => cursor() === 1, 'the checkpoint cursor at 1');
    await up.stop();
    const logs = upstream.received.filter((r) => r.path === '/v1/logs');
    expect(logs).toHaveLength(1);
    expect(logs[0]?.headers['content-type']).toBe('application/json');
    expect(checkpointDocumentsIn(JSON.parse(logs[0]?.body.toString('utf8') ?? ''))).toHaveLength(1);
  });

  it('OTLP: stop sends the checkpoint still waiting (the shutdown one) without waiting for the next round', async () => {
    const forwarder = forwarderFor(sinkConfig({ type: 'otlp', endpoint: upstream.url }), 60_000);
    await waitFor(() => collector.store.forward.cursor('up') > 0, 'the batches sent');
    checkpoint(T0 + 60_000);
    await forwarder.stop();
    expect(cursor()).toBe(1);
    expect(upstream.received.filter((r) => r.path === '/v1/logs')).toHaveLength(1);
  });

  it('remote write: the newest waiting checkpoint’s sequence and time as two gauges, with its own cursor', async () => {
    for (let i = 1; i <= 20; i++) {
      checkpoint(T0 + i * 1_000); // more than one page of 16 waiting: only the newest goes
    }
    const forwarder = forwarderFor(
      sinkConfig({ type: 'prometheus-remote-write', endpoint: `${upstream.url}/api/v1/write` }),
    );
    await waitFor(() => cursor() === 20, 'the checkpoint cursor at 20');
    checkpoint(T0 + 60_000);
    checkpoint(T0 + 120_000);
    forwarder.wake();
    await waitFor(() => cursor() === 22, 'the checkpoint cursor at 22');
    await forwarder.stop();
    const writes = upstream.received.map((r) => decodeWriteRequest(r.raw));
    const checkpointWrites = writes.filter((series) =>
      series.some((s) => s.labels.some((l) => l.value === 'perimeter_integrity_checkpoint_sequence')),
    );
    expect(checkpointWrites).toHaveLength(2);
    const last = checkpointWrites[1] ?? [];
    const byName = new Map(last.map((s) => [s.labels.find((l) => l.name === '__name__')?.value, s]));
    expect(
      checkpointWrites.map(
        (series) =>
          series.find((s) => s.labels.some((l) => l.value === 'perimeter_integrity_checkpoint_sequence'))
            ?.samples[0]?.value,
      ),
    ).toEqual([20, 22]);
    expect(byName.get('perimeter_integrity_checkpoint_sequence')?.samples).toEqual([
      { value: 22, timestamp: T0 + 120_000 },
    ]);
    expect(byName.get('perimeter_integrity_checkpoint_timestamp_seconds')?.samples).toEqual([
      { value: (T0 + 120_000) / 1000, timestamp: T0 + 120_000 },
    ]);
    expect(byName.get('perimeter_integrity_checkpoint_sequence')?.labels).toContainEqual({
      name: 'key_id',
      value: key.keyId,
    });
  });
});
