import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { collectorConfigSchema, PerimeterHeaders } from '@perimeter/schema';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from '../serve.ts';
import { issueTokens } from '../test-support/loopback-collector.ts';
import { openStoreSqlite } from '../test-support/store-sqlite.ts';
import { jsonGauge } from '../test-support/test-collector.ts';

/**
 * The ingest body read from the socket itself (read-body.ts reads Node's request directly under
 * @hono/node-server; app.request tests never reach that path): a body sent in many chunks without
 * a Content-Length arrives whole, one over the wire limit is refused with 413 as it streams, and a
 * client that hangs up mid-body stores nothing and leaves the collector serving.
 */
const MAX_BODY_BYTES = 64 * 1024;
let collector: RunningCollector;
let dataDir: string;
let token: string;
let seq = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'perimeter-read-body-'));
  token = issueTokens(dataDir, [{ nodeId: 'gpu-01', role: 'node' }])['gpu-01/node'] as string;
  collector = await startCollector(
    collectorConfigSchema.parse({
      listen: '127.0.0.1:0',
      dataDir,
      limits: { maxBodyBytes: MAX_BODY_BYTES },
    }),
    pino({ level: 'silent' }),
  );
});
afterAll(async () => {
  await collector?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `pointCount` points of one gauge for gpu-01, as OTLP/JSON bytes. */
const gaugeBody = (pointCount: number) =>
  Buffer.from(
    jsonGauge({
      nodeId: 'gpu-01',
      points: Array.from({ length: pointCount }, (_, i) => ({
        value: i,
        timeMs: Date.now() - 1000,
        attributes: { 'hw.id': `sensor-${i}` },
      })),
    }),
  );

/**
 * POSTs `body` to /v1/metrics in `chunkBytes` pieces with no Content-Length (chunked), pausing
 * between pieces; `hangUpAfter` bytes, if given, then destroys the socket instead of finishing.
 */
function postInChunks(
  body: Buffer,
  chunkBytes: number,
  hangUpAfter?: number,
): Promise<{ status: number; text: string } | 'hung up'> {
  seq++;
  return new Promise((resolve, reject) => {
    const req = request(
      `${collector.url}/v1/metrics`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          [PerimeterHeaders.stream]: 'read-body-socket-test',
          [PerimeterHeaders.seq]: String(seq),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', (error) => (hangUpAfter === undefined ? reject(error) : resolve('hung up')));
    let sent = 0;
    const next = () => {
      if (hangUpAfter !== undefined && sent >= hangUpAfter) {
        req.destroy();
        setTimeout(() => resolve('hung up'), 100);
        return;
      }
      if (sent >= body.byteLength) {
        req.end();
        return;
      }
      req.write(body.subarray(sent, sent + chunkBytes));
      sent += chunkBytes;
      setTimeout(next, 2);
    };
    next();
  });
}

const storedPayloads = (): Buffer[] => {
  const db = openStoreSqlite(dataDir, { readonly: true });
  try {
    return (
      db
        .prepare("SELECT payload, content_encoding FROM batches WHERE node_id = 'gpu-01' ORDER BY id")
        .all() as Array<{
        payload: Buffer;
        content_encoding: string;
      }>
    ).map((row) => (row.content_encoding === 'gzip' ? gunzipSync(row.payload) : row.payload));
  } finally {
    db.close();
  }
};

describe('the ingest body read from the socket', () => {
  it('stores a body sent in many chunks without a Content-Length, byte for byte', async () => {
    const body = gaugeBody(200);
    expect(body.byteLength).toBeGreaterThan(8 * 1024);
    expect(body.byteLength).toBeLessThan(MAX_BODY_BYTES);
    const answer = await postInChunks(body, 1000);
    expect(answer).toMatchObject({ status: 200 });
    const payloads = storedPayloads();
    expect(payloads).toHaveLength(1);
    expect(payloads[0]?.equals(body)).toBe(true);
  });

  it('refuses a chunked body over limits.maxBodyBytes with 413 as it streams, and stores nothing of it', async () => {
    const body = gaugeBody(2000);
    expect(body.byteLength).toBeGreaterThan(2 * MAX_BODY_BYTES);
    const answer = await postInChunks(body, 16 * 1024);
    expect(answer).not.toBe('hung up');
    const { status, text } = answer as { status: number; text: string };
    expect(status).toBe(413);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'body_too_large', field: 'body' } });
    expect(storedPayloads()).toHaveLength(1);
  });

  it('stores nothing from a client that hangs up mid-body, and goes on serving', async () => {
    const body = gaugeBody(200);
    expect(await postInChunks(body, 1000, 4000)).toBe('hung up');
    expect(storedPayloads()).toHaveLength(1);
    const after = gaugeBody(10);
    expect(await postInChunks(after, 100)).toMatchObject({ status: 200 });
    const payloads = storedPayloads();
    expect(payloads).toHaveLength(2);
    expect(payloads[1]?.equals(after)).toBe(true);
  });
});
