import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';

/**
 * Hostile input against the real ingest path (the Hono app over a real SQLite store, no socket):
 * arbitrary bytes as protobuf, arbitrary JSON, OTLP with arbitrary attribute values, invalid UTF-8,
 * gzip of all of those, deep nesting and oversize requests. Over 10,000 cases in all. Every answer
 * is a 2xx or a named 4xx, never a 5xx or a throw; the store holds exactly the batches that were
 * acknowledged; and memory does not grow with the number of requests.
 */
const ALLOWED = new Set([200, 400, 413, 415]);
let collector: TestCollector;
let acknowledged = 0;
let heapBefore = 0;

async function send(body: string | Uint8Array, contentType: string, gzip = false): Promise<number> {
  const response = await collector.post('metrics', body, { contentType, gzip });
  if (response.status !== 200) {
    const error = (await response.json()) as { error?: { code?: string; message?: string } };
    expect(error.error?.message?.length ?? 0, `status ${response.status} without a message`).toBeGreaterThan(
      5,
    );
  } else {
    await response.arrayBuffer();
    acknowledged += 1;
  }
  expect(ALLOWED, `answered ${response.status}`).toContain(response.status);
  return response.status;
}

const anyString = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(
    "'; DROP TABLE batches; --",
    '<script>alert(1)</script>',
    '\u0000',
    '\uD800',
    '😀'.repeat(30),
  ),
);

beforeAll(() => {
  collector = createTestCollector();
  heapBefore = process.memoryUsage().heapUsed;
});
afterAll(() => collector.close());

describe('ingest under hostile input (fast-check)', () => {
  it('arbitrary bytes posted as protobuf: 3,000 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        await send(bytes, 'application/x-protobuf');
      }),
      { numRuns: 3_000 },
    );
  });

  it('arbitrary JSON values posted as OTLP/JSON: 2,500 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        await send(JSON.stringify(value), 'application/json');
      }),
      { numRuns: 2_500 },
    );
  });

  it('well-formed OTLP with arbitrary names, units, values and attributes: 2,500 cases', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyString,
        anyString,
        fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e309', 'x')),
        fc.dictionary(anyString, anyString, { maxKeys: 5 }),
        fc.integer({ min: -1, max: 2 ** 45 }),
        async (name, unit, value, attributes, timeMs) => {
          const body = jsonGauge({ nodeId: 'node-a', name, unit, points: [{ value, timeMs, attributes }] });
          await send(body, 'application/json');
        },
      ),
      { numRuns: 2_500 },
    );
  });

  it('invalid UTF-8 inside JSON strings, plain and gzipped: 1,000 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.boolean(), async (junk, gzip) => {
        const good = Buffer.from(jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: 1 }] }));
        const at = good.indexOf('hw.temperature');
        const body = Buffer.concat([
          good.subarray(0, at),
          Buffer.from([0xc3, 0x28, ...junk]),
          good.subarray(at),
        ]);
        await send(new Uint8Array(body), 'application/json', gzip);
      }),
      { numRuns: 1_000 },
    );
  });

  it('gzip of arbitrary bytes and truncated gzip streams: 1,000 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), fc.nat(64), async (bytes, cut) => {
        const zipped = gzipSync(bytes);
        await send(
          new Uint8Array(zipped.subarray(0, Math.max(1, zipped.length - cut))),
          'application/x-protobuf',
        );
        await send(bytes, 'application/x-protobuf', true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('deep nesting, huge strings, a zip bomb and a million data points in one request', async () => {
    expect(await send(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'application/json')).toBe(400);
    // Built as text: JSON.stringify itself overflows the stack on 5,000 levels.
    const depth = 5_000;
    const deepValue = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth)}{"stringValue":"x"}${'}]}}'.repeat(depth)}`;
    const shallow = jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: 1 }] });
    const nested = shallow.replace('"attributes":[', `"attributes":[{"key":"deep","value":${deepValue}},`);
    expect(nested).not.toBe(shallow);
    expect(ALLOWED).toContain(await send(nested, 'application/json'));
    const huge = jsonGauge({
      nodeId: 'node-a',
      points: [{ value: 1, timeMs: 1, attributes: { a: 'x'.repeat(900_000) } }],
    });
    expect(ALLOWED).toContain(await send(huge, 'application/json'));
    expect(await send(new Uint8Array(64 * 1024 * 1024), 'application/x-protobuf', true)).toBe(413);
    const million = jsonGauge({
      nodeId: 'node-a',
      points: Array.from({ length: 1_000_000 }, (_, i) => ({ value: i, timeMs: i })),
    });
    expect(await send(million, 'application/json', true)).toBe(413);
  });

  it('stored exactly what it acknowledged, and did not grow memory with the request count', () => {
    expect(collector.batchCount()).toBe(acknowledged);
    globalThis.gc?.();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
  });
});
