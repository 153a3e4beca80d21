import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { digestPayload } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { createPayloadCompressor, payloadAtRest } from './payload-at-rest.ts';
import { compressAndDigest } from './payload-compression.ts';

describe('a batch payload at rest', () => {
  const json = Buffer.from(
    JSON.stringify({
      resourceMetrics: Array.from({ length: 200 }, (_, i) => ({
        name: `perimeter.temperature.${i}`,
        value: i,
      })),
    }),
  );

  it('keeps an uncompressed body gzip-compressed, which gunzips to the exact wire bytes, hashed as stored', async () => {
    const atRest = await payloadAtRest(json, 'identity');
    expect(atRest.contentEncoding).toBe('gzip');
    expect(atRest.payload.byteLength).toBeLessThan(json.byteLength / 5);
    expect(Buffer.from(gunzipSync(atRest.payload)).equals(json)).toBe(true);
    expect(atRest.payloadDigest).toBe(digestPayload(atRest.payload));
  });

  it('keeps as they came: a gzip body, a tiny body and bytes that do not compress', async () => {
    for (const [wire, encoding] of [
      [gzipSync(json), 'gzip'],
      [Buffer.from('{"resourceMetrics":[]}'), 'identity'],
      [randomBytes(64 * 1024), 'identity'],
    ] as const) {
      const atRest = await payloadAtRest(wire, encoding);
      expect(atRest.contentEncoding).toBe(encoding);
      expect(atRest.payload).toBe(wire);
      expect(atRest.payloadDigest).toBe(digestPayload(wire));
    }
  });

  it('loses no body when the worker cannot start or dies holding bodies: they are compressed in-thread, the same bytes', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const bodies = Array.from({ length: 5 }, (_, i) => Buffer.concat([json, Buffer.from(String(i))]));
      const expected = bodies.map((body) => compressAndDigest(body));
      // A worker that exits before it answers anything, and one whose module does not exist.
      for (const workerUrl of [
        new URL('data:text/javascript,process.exit(0)'),
        new URL('./no-such-payload-worker.ts', import.meta.url),
      ]) {
        const compressor = createPayloadCompressor(workerUrl);
        const results = await Promise.all(bodies.map((body) => compressor.compress(body)));
        expect(results.map((r) => r.payloadDigest)).toEqual(expected.map((e) => e.payloadDigest));
        results.forEach((result, i) => {
          expect(Buffer.from(gunzipSync(result.payload as Uint8Array)).equals(bodies[i] as Buffer)).toBe(
            true,
          );
        });
        // Later bodies too, without a worker.
        expect((await compressor.compress(json)).payloadDigest).toBe(compressAndDigest(json).payloadDigest);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.includes('payload worker stopped'))).toHaveLength(2);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('answers through the worker exactly what the in-thread path computes', async () => {
    const compressor = createPayloadCompressor();
    const body = Buffer.concat([json, json]);
    const viaWorker = await compressor.compress(body.subarray(7));
    const inThread = compressAndDigest(body.subarray(7));
    expect(viaWorker.payloadDigest).toBe(inThread.payloadDigest);
    expect(Buffer.isBuffer(viaWorker.payload)).toBe(true);
    expect(
      Buffer.from(viaWorker.payload as Uint8Array).equals(Buffer.from(inThread.payload as Uint8Array)),
    ).toBe(true);
    // The caller's bytes are untouched (the worker got a copy).
    expect(body.subarray(7).equals(Buffer.concat([json, json]).subarray(7))).toBe(true);
  });
});
