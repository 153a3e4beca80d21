import { describe, expect, it } from 'vitest';
import { ExactReader, ExactWriter, OtlpFullTypes } from './otlp-full-proto.ts';
import { OtlpTypes } from './otlp-proto.ts';
import { toJsonObject } from './otlp-transcode.ts';
import { addResourceAttributesProtobuf, type ResourceAttribute } from './otlp-wire.ts';

/**
 * The byte-level edit that adds the forward's resource attributes: decoded before and after with
 * the collector's own decoders, everything but the added attributes is identical, and the bytes
 * of everything but the enclosing lengths are untouched.
 */
const ADDED: ResourceAttribute[] = [
  ['perimeter.node.id', 'node-7'],
  ['perimeter.stream.id', 'stream-7-0001'],
  ['perimeter.batch.seq', 4_294_967_297],
];

const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });

function metricsRequest(): Uint8Array {
  const point = (value: number, nanos: string) => ({
    timeUnixNano: nanos,
    startTimeUnixNano: '1763877000000000001',
    asDouble: value,
    attributes: [attr('hw.id', 'gpu-0')],
  });
  const message = {
    resourceMetrics: [
      {
        resource: { attributes: [attr('host.name', 'gpu-host-1'), attr('perimeter.node.id', 'from-agent')] },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeMetrics: [
          {
            scope: { name: 'perimeter-agent', version: '0.1.0' },
            metrics: [
              {
                name: 'hw.temperature',
                unit: 'Cel',
                gauge: {
                  dataPoints: [point(41.5, '1763877600123456789'), point(-0.25, '1763877610987654321')],
                },
              },
              {
                name: 'hw.energy',
                unit: 'J',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [{ timeUnixNano: '1763877600123456789', asInt: '9007199254740993' }],
                },
              },
            ],
          },
        ],
      },
      // A second resource without any Resource message at all.
      {
        scopeMetrics: [
          {
            metrics: [{ name: 'up', gauge: { dataPoints: [{ timeUnixNano: '1', asDouble: 1 }] } }],
          },
        ],
      },
    ],
  };
  return OtlpFullTypes.metricsRequest.encode(message as never, new ExactWriter()).finish();
}

function logsRequest(): Uint8Array {
  return OtlpFullTypes.logsRequest
    .encode(
      {
        resourceLogs: [
          {
            resource: { attributes: [attr('host.name', 'gpu-host-1')], droppedAttributesCount: 3 },
            scopeLogs: [
              {
                scope: { name: 'auth' },
                logRecords: [
                  {
                    timeUnixNano: '1763877600123456789',
                    observedTimeUnixNano: '1763877600223456789',
                    severityNumber: 9,
                    body: { stringValue: 'Accepted publickey for ops' },
                    traceId: Buffer.alloc(16, 0xab),
                    spanId: Buffer.alloc(8, 0xcd),
                  },
                ],
              },
            ],
          },
        ],
      } as never,
      new ExactWriter(),
    )
    .finish();
}

/**
 * The collector's decoders: the forward's exact one (OTLP/JSON, 64-bit integers as exact strings,
 * every field of the full schema), and, for the fields ingest knows, the ingest decoder.
 */
function decode(type: 'metrics' | 'logs', bytes: Uint8Array): Record<string, unknown> {
  return toJsonObject(
    { signal: type, contentType: 'application/x-protobuf', contentEncoding: 'identity', payload: bytes },
    [],
  );
}
function decodeIngest(type: 'metrics' | 'logs', bytes: Uint8Array): Record<string, unknown> {
  const messageType = type === 'metrics' ? OtlpTypes.metricsRequest : OtlpTypes.logsRequest;
  return messageType.toObject(messageType.decode(bytes), { longs: String, bytes: String }) as Record<
    string,
    unknown
  >;
}

/** `after` with each resource's attributes cut back to the count `before` had (additions are appended). */
function withoutAdded(after: Record<string, unknown>, before: Record<string, unknown>, listKey: string) {
  type Container = { resource?: { attributes?: unknown[] } };
  const copy = structuredClone(after);
  const originals = before[listKey] as Container[];
  (copy[listKey] as Container[]).forEach((container, index) => {
    const original = originals[index]?.resource;
    if (!original) {
      delete container.resource;
    } else if (container.resource) {
      container.resource.attributes = container.resource.attributes?.slice(
        0,
        original.attributes?.length ?? 0,
      );
      if (original.attributes === undefined) {
        delete container.resource.attributes;
      }
    }
  });
  return copy;
}
const ADDED_KEYS = new Set(ADDED.map(([key]) => key));

describe('addResourceAttributesProtobuf', () => {
  it('adds the attributes to every resource of a metrics request and changes nothing else', () => {
    const before = metricsRequest();
    const after = addResourceAttributesProtobuf(before, ADDED);
    const decodedBefore = decode('metrics', before);
    const decodedAfter = decode('metrics', after);
    const [first, second] = decodedAfter.resourceMetrics as Array<{
      resource: { attributes: Array<{ key: string; value: Record<string, unknown> }> };
    }>;
    // An existing key is left as the agent sent it; the missing ones are appended in order.
    expect(first?.resource.attributes).toEqual([
      { key: 'host.name', value: { stringValue: 'gpu-host-1' } },
      { key: 'perimeter.node.id', value: { stringValue: 'from-agent' } },
      { key: 'perimeter.stream.id', value: { stringValue: 'stream-7-0001' } },
      { key: 'perimeter.batch.seq', value: { intValue: '4294967297' } },
    ]);
    // A resource without a Resource message gets one with all three.
    expect(second?.resource.attributes.map((a) => a.key)).toEqual([...ADDED_KEYS]);
    // Everything else, timestamps to the nanosecond and 64-bit ints included, is identical.
    expect(withoutAdded(decodedAfter, decodedBefore, 'resourceMetrics')).toEqual(decodedBefore);
    expect(JSON.stringify(decodedAfter)).toContain('"1763877610987654321"');
    expect(JSON.stringify(decodedAfter)).toContain('"9007199254740993"');
    const ingestBefore = decodeIngest('metrics', before);
    expect(withoutAdded(decodeIngest('metrics', after), ingestBefore, 'resourceMetrics')).toEqual(
      ingestBefore,
    );
  });

  it('keeps every byte of the scopes, points and other fields: only the resource part and lengths differ', () => {
    const before = metricsRequest();
    const after = addResourceAttributesProtobuf(before, ADDED);
    const full = OtlpFullTypes.metricsRequest.decode(new ExactReader(before)) as unknown as {
      resourceMetrics: Array<{ scopeMetrics: unknown[] }>;
    };
    const scopeType = OtlpFullTypes.metricsRequest.lookupType('ScopeMetrics');
    for (const container of full.resourceMetrics) {
      for (const scope of container.scopeMetrics) {
        const bytes = scopeType.encode(scope as never, new ExactWriter()).finish();
        expect(Buffer.from(before).indexOf(bytes)).toBeGreaterThanOrEqual(0);
        expect(Buffer.from(after).indexOf(bytes)).toBeGreaterThanOrEqual(0);
      }
    }
    // The original's schema_url bytes and the original resource's attribute bytes are kept verbatim.
    for (const text of ['https://opentelemetry.io/schemas/1.26.0', 'gpu-host-1', 'from-agent']) {
      expect(Buffer.from(after).indexOf(Buffer.from(text))).toBeGreaterThanOrEqual(0);
    }
    expect(after.byteLength).toBeGreaterThan(before.byteLength);
  });

  it('keeps fields the collector does not know (unknown field numbers) byte for byte', () => {
    const before = metricsRequest();
    // Field 99 (varint 0x2a) inside the request, and field 77 (length-delimited "future") at the end.
    const unknown = Buffer.from([0x98, 0x06, 0x2a]);
    const unknownBytes = Buffer.concat([Buffer.from([0xea, 0x04, 0x06]), Buffer.from('future')]);
    const withUnknown = Buffer.concat([unknown, before, unknownBytes]);
    const after = Buffer.from(addResourceAttributesProtobuf(withUnknown, ADDED));
    expect(after.subarray(0, unknown.byteLength).equals(unknown)).toBe(true);
    expect(after.subarray(after.byteLength - unknownBytes.byteLength).equals(unknownBytes)).toBe(true);
    const decodedBefore = decode('metrics', before);
    expect(withoutAdded(decode('metrics', after), decodedBefore, 'resourceMetrics')).toEqual(decodedBefore);
  });

  it('adds to a logs request the same way, keeping trace ids, severities and timestamps', () => {
    const before = logsRequest();
    const after = addResourceAttributesProtobuf(before, ADDED);
    const decodedAfter = decode('logs', after);
    const resource = (decodedAfter.resourceLogs as Array<{ resource: Record<string, unknown> }>)[0]
      ?.resource as { attributes: Array<{ key: string }>; droppedAttributesCount: number };
    expect(resource.attributes.map((a) => a.key)).toEqual(['host.name', ...ADDED_KEYS]);
    expect(resource.droppedAttributesCount).toBe(3);
    const decodedBefore = decode('logs', before);
    expect(withoutAdded(decodedAfter, decodedBefore, 'resourceLogs')).toEqual(decodedBefore);
  });

  it('returns the request unchanged when every key is already there, and is idempotent', () => {
    const once = addResourceAttributesProtobuf(metricsRequest(), ADDED);
    const twice = addResourceAttributesProtobuf(once, ADDED);
    expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true);
    const empty = new Uint8Array(0);
    expect(addResourceAttributesProtobuf(empty, ADDED).byteLength).toBe(0);
  });

  it('refuses a truncated message instead of writing a corrupt one', () => {
    const bytes = metricsRequest();
    expect(() => addResourceAttributesProtobuf(bytes.subarray(0, bytes.byteLength - 3), ADDED)).toThrow(
      RangeError,
    );
  });
});
