import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { temperatureRound } from '../../../../test/helpers/synthetic-round.ts';
import { metricsRequestArbitrary } from '../test-support/metrics-requests.ts';
import { AttributeSets, decodeMetricsWire } from './decode-metrics-wire.ts';
import { decodeMetricsRequest } from './decode-otlp.ts';
import { OtlpTypes } from './otlp-proto.ts';

/**
 * The wire reader must answer exactly what protobufjs + decodeMetricsRequest answer, or not at all
 * (undefined: the caller then takes that path). Held against real encoders (the OpenTelemetry JS
 * SDK's serializer, protobufjs) and against generated and mutated requests.
 */
const RECEIVED_AT = Date.parse('2026-12-05T12:00:00Z');

/** protobufjs + decodeMetricsRequest, as ingest decodes without the wire reader; 'throws' on a 400. */
function fullDecode(bytes: Uint8Array) {
  try {
    return decodeMetricsRequest(OtlpTypes.metricsRequest.decode(bytes), RECEIVED_AT);
  } catch {
    return 'throws' as const;
  }
}

/** The wire reader's answer with the identity keys it adds left out (the full path adds them later). */
function wireDecode(bytes: Uint8Array, sets = new AttributeSets()) {
  const decoded = decodeMetricsWire(bytes, RECEIVED_AT, sets);
  if (decoded === undefined) return undefined;
  for (const resource of decoded.resources) {
    for (const point of resource.points) {
      expect(point.attributesKey).toBeTypeOf('string');
      delete point.attributesKey;
    }
  }
  return decoded;
}

const encode = (request: unknown) =>
  OtlpTypes.metricsRequest.encode(OtlpTypes.metricsRequest.fromObject(request as object)).finish();

class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

describe('protobuf metrics read straight from the wire', () => {
  it('reads what the OpenTelemetry JS SDK serializes (gauges, counters, up-down sums) as protobufjs does', async () => {
    const reader = new OnDemandReader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({
        'perimeter.node.id': 'mini-07',
        'host.name': 'mini-07',
        'process.pid': 4242,
        'perimeter.agent.ready': true,
      }),
      readers: [reader],
    });
    const meter = provider.getMeter('perimeter-agent', '1.0.0');
    meter.createObservableGauge('hw.temperature', { unit: 'Cel' }).addCallback((result) => {
      result.observe(48.5, { 'hw.id': 'cpu-die', 'hw.type': 'temperature' });
      result.observe(51.25, { 'hw.type': 'temperature', 'hw.id': 'gpu-die' });
    });
    meter.createCounter('perimeter.inference.requests').add(3, { 'http.response.status_code': 401 });
    meter.createUpDownCounter('perimeter.spool.rows').add(-2);
    meter.createCounter('system.network.io', { unit: 'By' }).add(1.5e12, { direction: 'receive' });
    const { resourceMetrics } = await reader.collect();
    await provider.shutdown();
    const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array;

    const wire = wireDecode(bytes);
    expect(wire).toBeDefined();
    expect(wire).toEqual(fullDecode(bytes));
    const points = wire?.resources[0]?.points ?? [];
    expect(points.map((p) => [p.metric, p.kind, p.value])).toEqual([
      ['hw.temperature', 'gauge', 48.5],
      ['hw.temperature', 'gauge', 51.25],
      ['perimeter.inference.requests', 'counter', 3],
      ['perimeter.spool.rows', 'sum', -2],
      ['system.network.io', 'counter', 1.5e12],
    ]);
    // Sorted by key whatever order the SDK wrote them in.
    expect(points[1]?.attributes).toEqual([
      ['hw.id', 'gpu-die'],
      ['hw.type', 'temperature'],
    ]);
    expect(wire?.resources[0]?.attributes).toMatchObject({
      'process.pid': 4242,
      'perimeter.agent.ready': true,
    });
  });

  it('decodes an attribute set once and reuses it, identity key included, across requests', () => {
    const sets = new AttributeSets();
    const first = decodeMetricsWire(
      encode(temperatureRound({ nodeId: 'n1', timeMs: RECEIVED_AT, points: 100 })),
      RECEIVED_AT,
      sets,
    );
    expect(sets.size).toBe(100);
    const second = decodeMetricsWire(
      encode(temperatureRound({ nodeId: 'n2', timeMs: RECEIVED_AT + 1000, points: 100 })),
      RECEIVED_AT,
      sets,
    );
    expect(sets.size).toBe(100);
    const a = first?.resources[0]?.points[7];
    const b = second?.resources[0]?.points[7];
    expect(b?.attributes).toBe(a?.attributes);
    expect(b?.attributesKey).toBe(a?.attributesKey);
    expect(b?.timeMs).toBe(RECEIVED_AT + 1000);
  });

  it('reads attributes scattered between other fields of a point, as protobufjs does', () => {
    // Hand-built: protobufjs and the OTel SDK write a point's fields in one order, other encoders need not.
    const varint = (value: number) => {
      const bytes: number[] = [];
      for (; value >= 0x80; value >>>= 7) bytes.push((value & 0x7f) | 0x80);
      return Buffer.from([...bytes, value]);
    };
    const field = (number: number, payload: Uint8Array) =>
      Buffer.concat([varint((number << 3) | 2), varint(payload.length), payload]);
    const text = (value: string) => Buffer.from(value, 'utf8');
    const keyValue = (key: string, value: string) =>
      field(7, Buffer.concat([field(1, text(key)), field(2, field(1, text(value)))]));
    const fixed64 = (number: number, bytes: Buffer) =>
      Buffer.concat([Buffer.from([(number << 3) | 1]), bytes]);
    const time = Buffer.alloc(8);
    time.writeBigUInt64LE(1764936000123456789n);
    const double = Buffer.alloc(8);
    double.writeDoubleLE(21.5);
    const points = [
      [keyValue('z', '1'), fixed64(3, time), keyValue('a', '2'), fixed64(4, double), keyValue('m', '3')],
      [keyValue('z', '1'), keyValue('a', '2'), fixed64(3, time), keyValue('m', '3'), fixed64(4, double)],
      [fixed64(4, double), keyValue('a', '2'), keyValue('m', '3'), keyValue('z', '1'), keyValue('a', '4')],
    ].map((parts) => Buffer.concat(parts));
    const metric = Buffer.concat([
      field(1, text('m')),
      field(5, Buffer.concat(points.map((p) => field(1, p)))),
    ]);
    const bytes = field(1, field(2, field(2, metric)));
    const sets = new AttributeSets();
    const wire = wireDecode(bytes, sets);
    expect(wire).toEqual(fullDecode(bytes));
    expect(wire?.resources[0]?.points.map((p) => p.attributes)).toEqual([
      [
        ['a', '2'],
        ['m', '3'],
        ['z', '1'],
      ],
      [
        ['a', '2'],
        ['m', '3'],
        ['z', '1'],
      ],
      [
        ['a', '4'],
        ['m', '3'],
        ['z', '1'],
      ],
    ]);
    expect(sets.size).toBe(3);
  });

  it('starts its attribute sets over at the bound, so new sets cost decoding and never memory', () => {
    const sets = new AttributeSets(64);
    for (let i = 0; i < 10; i++) {
      decodeMetricsWire(
        encode(temperatureRound({ nodeId: `n${i}`, timeMs: RECEIVED_AT, points: 50 + i * 7 })),
        RECEIVED_AT,
        sets,
      );
      expect(sets.size).toBeLessThanOrEqual(64);
    }
  });

  it('leaves to the full decoder what it does not take: histograms, NaN, empty keys, nested values, bad UTF-8', () => {
    const gauge = (point: object, name = 'm') => ({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name, gauge: { dataPoints: [point] } }] }] }],
    });
    const cases: Record<string, Uint8Array> = {
      histogram: encode({
        resourceMetrics: [
          { scopeMetrics: [{ metrics: [{ name: 'h', histogram: { dataPoints: [{ count: 1, sum: 2 }] } }] }] },
        ],
      }),
      nan: encode(gauge({ asDouble: Number.NaN })),
      noValue: encode(gauge({ timeUnixNano: 1 })),
      emptyKey: encode(gauge({ asDouble: 1, attributes: [{ key: '', value: { stringValue: 'x' } }] })),
      arrayValue: encode(
        gauge({
          asDouble: 1,
          attributes: [{ key: 'k', value: { arrayValue: { values: [{ intValue: 1 }] } } }],
        }),
      ),
      longLabel: encode(
        gauge({ asDouble: 1, attributes: [{ key: 'k', value: { stringValue: 'x'.repeat(1025) } }] }),
      ),
      emptyName: encode(gauge({ asDouble: 1 }, '')),
      badUtf8Name: Buffer.from(
        Buffer.from(encode(gauge({ asDouble: 1 }, 'm\u00e9')))
          .toString('latin1')
          .replace('\u00c3', '\u00ff'),
        'latin1',
      ),
      truncated: encode(gauge({ asDouble: 1 }, 'metric')).subarray(0, 12),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      expect(decodeMetricsWire(bytes, RECEIVED_AT, new AttributeSets()), name).toBeUndefined();
    }
  });

  it('answers as protobufjs + decodeMetricsRequest do, or not at all, for generated requests', () => {
    let answered = 0;
    fc.assert(
      fc.property(metricsRequestArbitrary, (object) => {
        const bytes = encode(object);
        const wire = wireDecode(bytes);
        if (wire === undefined) return;
        answered++;
        expect(wire).toEqual(fullDecode(bytes));
      }),
      { numRuns: 3000 },
    );
    // The generator is meant to reach the reader's own answers, not only its refusals.
    expect(answered).toBeGreaterThan(300);
  });

  it('never answers where the full decoder refuses, for mutated bytes', () => {
    const base = encode(temperatureRound({ nodeId: 'n1', timeMs: RECEIVED_AT, points: 3 }));
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(base.length - 1), byte: fc.integer({ min: 0, max: 255 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(base.length),
        (edits, cut) => {
          const bytes = Buffer.from(base).subarray(0, Math.max(cut, base.length - 8 * edits.length));
          for (const { at, byte } of edits) if (at < bytes.length) bytes[at] = byte;
          const wire = wireDecode(bytes);
          if (wire !== undefined) expect(wire).toEqual(fullDecode(bytes));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
