import { gunzipSync } from 'node:zlib';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { computeChainHash, digestPayload, GENESIS_HASH } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpTypes } from '../otlp/otlp-proto.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';

class CollectOnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Builds a protobuf ExportMetricsServiceRequest with the official OTel SDK and serializer. */
async function sdkProtobufRequest(nodeId: string, temperature: number): Promise<Uint8Array> {
  const reader = new CollectOnDemandReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'perimeter.node.id': nodeId, 'service.name': 'sdk-test' }),
    readers: [reader],
  });
  const gauge = provider.getMeter('test').createObservableGauge('hw.temperature', { unit: 'Cel' });
  gauge.addCallback((result) => result.observe(temperature, { 'hw.name': 'CPU die', 'hw.id': 'cpu0' }));
  const counter = provider.getMeter('test').createCounter('test.requests', { unit: '{request}' });
  counter.add(3, { route: '/x' });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
  if (!bytes) {
    throw new Error('serializer returned nothing');
  }
  return bytes;
}

describe('ingest', () => {
  let collector: TestCollector;
  beforeEach(() => {
    collector = createTestCollector();
  });
  afterEach(() => collector.close());

  it('commits a JSON batch before answering 200 and serves its value on /metrics', async () => {
    const response = await collector.post(
      'metrics',
      jsonGauge({
        nodeId: 'node-a',
        points: [{ value: 48.25, timeMs: collector.clock.nowMs, attributes: { 'hw.name': 'GPU' } }],
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(collector.samples()).toEqual([{ seriesId: 1, tsMs: collector.clock.nowMs, value: 48.25 }]);
    const exposition = await (await collector.app.request('/metrics')).text();
    expect(exposition).toContain('hw_temperature_celsius{node="node-a",hw_name="GPU"} 48.25');
  });

  it('decodes protobuf written by the official OpenTelemetry serializer, gzip or not', async () => {
    const body = await sdkProtobufRequest('node-a', 61.5);
    // The SDK stamps points with the real clock; the collector's window is around its own.
    collector.clock.nowMs = Date.now();
    for (const gzip of [false, true]) {
      const response = await collector.post('metrics', body, { contentType: 'application/x-protobuf', gzip });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-protobuf');
      const decoded = OtlpTypes.metricsResponse.decode(new Uint8Array(await response.arrayBuffer())).toJSON();
      expect(decoded).toEqual({});
    }
    const exposition = await (await collector.app.request('/metrics')).text();
    expect(exposition).toContain('hw_temperature_celsius{node="node-a",hw_id="cpu0",hw_name="CPU die"} 61.5');
    expect(exposition).toMatch(
      /# TYPE test_requests_total counter\ntest_requests_total\{node="node-a",route="\/x"\} 3/,
    );
    expect(collector.batchCount()).toBe(2);
  });

  it('stores a repeated (stream, seq) once and still answers 200', async () => {
    const body = jsonGauge({ points: [{ value: 1, timeMs: collector.clock.nowMs }] });
    const stream = '4b0c5a44-0d1e-4a52-8f0e-3f1b8c2a9d10';
    expect((await collector.post('metrics', body, { stream, seq: 1 })).status).toBe(200);
    expect((await collector.post('metrics', body, { stream, seq: 1 })).status).toBe(200);
    expect(collector.batchCount()).toBe(1);
    expect(collector.samples()).toHaveLength(1);
    const exposition = await (await collector.app.request('/metrics')).text();
    expect(exposition).toContain('perimeter_ingest_batches_total{signal="metrics",result="duplicate"} 1');
  });

  it('records a gap when the sequence skips, and accepts the late batch that fills it', async () => {
    const body = jsonGauge({ points: [{ value: 1, timeMs: collector.clock.nowMs }] });
    const stream = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
    await collector.post('metrics', body, { stream, seq: 1 });
    await collector.post('metrics', body, { stream, seq: 5 });
    const gaps = collector.sqlite().prepare('SELECT node_id, from_seq, to_seq FROM gaps').all();
    expect(gaps).toEqual([{ node_id: 'node-a', from_seq: 2, to_seq: 4 }]);
    expect((await collector.post('metrics', body, { stream, seq: 3 })).status).toBe(200);
    expect(collector.batchCount()).toBe(3);
    const exposition = await (await collector.app.request('/metrics')).text();
    expect(exposition).toContain('perimeter_ingest_gaps_total{node="node-a"} 1');
  });

  it('stores each body so that it gunzips to exactly the bytes posted, compressed or not', async () => {
    const body = jsonGauge({
      points: Array.from({ length: 50 }, (_, i) => ({
        value: i,
        timeMs: collector.clock.nowMs,
        attributes: { 'hw.name': `sensor-${i}` },
      })),
    });
    for (const gzip of [false, true]) {
      expect((await collector.post('metrics', body, { gzip })).status).toBe(200);
    }
    const rows = collector
      .sqlite()
      .prepare('SELECT content_encoding, payload, payload_sha256 FROM batches ORDER BY id')
      .all() as Array<{ content_encoding: string; payload: Buffer; payload_sha256: string }>;
    expect(rows.map((row) => row.content_encoding)).toEqual(['gzip', 'gzip']);
    for (const row of rows) {
      expect(gunzipSync(row.payload).toString()).toBe(body);
      expect(row.payload_sha256).toBe(digestPayload(row.payload));
    }
    // The uncompressed one was compressed here: a fraction of the disk.
    expect((rows[0] as { payload: Buffer }).payload.byteLength).toBeLessThan(body.length / 4);
  });

  it('chains every stored batch of a node to the one before it', async () => {
    for (let i = 0; i < 4; i++) {
      collector.clock.nowMs += 1000;
      await collector.post('metrics', jsonGauge({ points: [{ value: i, timeMs: collector.clock.nowMs }] }), {
        stream: 'cafebabe-0001',
        seq: i + 1,
      });
    }
    await collector.post('metrics', jsonGauge({ points: [{ value: 9, timeMs: collector.clock.nowMs }] }), {
      token: collector.tokenFor('node-b'),
    });
    // Recompute every link from the stored bytes alone, as replay does.
    const verify = () => {
      const rows = collector
        .sqlite()
        .prepare(
          `SELECT b.node_id, b.stream_id, b.seq, b.signal, b.received_at_ms, b.payload, b.prev_hash, b.hash, s.samples
           FROM batches b LEFT JOIN sample_blocks s ON s.batch_id = b.id ORDER BY b.id`,
        )
        .all() as Array<{
        node_id: string;
        stream_id: string;
        seq: number | null;
        signal: string;
        received_at_ms: number;
        payload: Buffer;
        prev_hash: string;
        hash: string;
        samples: Buffer;
      }>;
      const heads = new Map<string, string>();
      for (const row of rows) {
        const previousHash = heads.get(row.node_id) ?? GENESIS_HASH;
        if (row.prev_hash !== previousHash) {
          return `prev_hash of a ${row.node_id} batch does not match`;
        }
        const recomputed = computeChainHash({
          previousHash,
          nodeId: row.node_id,
          streamId: row.stream_id,
          seq: row.seq,
          signal: row.signal,
          receivedAtMs: row.received_at_ms,
          payloadDigest: digestPayload(row.payload),
          rowsDigest: digestPayload(row.samples),
        });
        if (recomputed !== row.hash) {
          return `batch seq ${row.seq} of ${row.node_id} does not match its link`;
        }
        heads.set(row.node_id, row.hash);
      }
      return `${heads.size} chains hold`;
    };
    expect(verify()).toBe('2 chains hold');

    // An edited sample (as with the sqlite3 CLI) no longer matches its batch's link.
    const block = collector
      .sqlite()
      .prepare('SELECT batch_id, samples FROM sample_blocks ORDER BY batch_id LIMIT 1 OFFSET 1')
      .get() as {
      batch_id: number;
      samples: Buffer;
    };
    const edited = Buffer.from(block.samples);
    edited.writeDoubleLE(99, 16);
    collector
      .sqlite()
      .prepare('UPDATE sample_blocks SET samples = ? WHERE batch_id = ?')
      .run(edited, block.batch_id);
    expect(verify()).toBe('batch seq 2 of node-a does not match its link');
  });

  it('keeps the valid points of a request and reports the refused ones as partial success', async () => {
    const body = jsonGauge({
      points: [
        { value: 40, timeMs: collector.clock.nowMs, attributes: { 'hw.name': 'ok' } },
        { value: 'NaN', timeMs: collector.clock.nowMs, attributes: { 'hw.name': 'nan' } },
        { value: 'Infinity', timeMs: collector.clock.nowMs, attributes: { 'hw.name': 'inf' } },
      ],
    });
    const response = await collector.post('metrics', body);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      partialSuccess: { rejectedDataPoints: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedDataPoints).toBe('2');
    expect(answer.partialSuccess.errorMessage).toMatch(/no finite value/);
    expect(collector.samples().map((sample) => sample.value)).toEqual([40]);
  });

  it('stores log records as events with their event name and attributes, unicode intact', async () => {
    const body = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'perimeter.node.id', value: { stringValue: 'node-a' } }] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: `${BigInt(collector.clock.nowMs) * 1_000_000n}`,
                  severityNumber: 13,
                  body: { stringValue: 'Failed password for José 👩‍💻' },
                  attributes: [
                    { key: 'event.name', value: { stringValue: 'auth.login' } },
                    { key: 'user.name', value: { stringValue: 'José 👩‍💻' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const response = await collector.post('logs', body);
    expect(response.status).toBe(200);
    const event = collector
      .sqlite()
      .prepare('SELECT event_name, severity, body, attributes_json FROM events')
      .get() as {
      event_name: string;
      severity: number;
      body: string;
      attributes_json: string;
    };
    expect(event.event_name).toBe('auth.login');
    expect(event.severity).toBe(13);
    expect(event.body).toBe('Failed password for José 👩‍💻');
    expect(JSON.parse(event.attributes_json)['user.name']).toBe('José 👩‍💻');
  });
});
