import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { digestPayload } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { payloadAtRest } from './payload-at-rest.ts';

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
});
