import { isUtf8 } from 'node:buffer';
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { temperatureRound } from '../../../../test/helpers/synthetic-round.ts';
import { metricsRequestArbitrary } from '../test-support/metrics-requests.ts';
import { decodeMetricsJson } from './decode-metrics-json.ts';
import { AttributeSets } from './decode-metrics-wire.ts';
import { decodeMetricsRequest } from './decode-otlp.ts';

/**
 * The JSON reader must answer exactly what JSON.parse + decodeMetricsRequest answer (ingest's
 * general path, parse-request.ts), or not at all: undefined, and the caller takes that path. Held
 * against the OpenTelemetry JS SDK's JSON serializer and generated, re-serialized and mutated bodies.
 */
const RECEIVED_AT = Date.parse('2026-12-05T12:00:00Z');

/** As ingest decodes a JSON body without the reader; 'throws' where it answers 400. */
function fullDecode(bytes: Uint8Array) {
  try {
    if (!isUtf8(bytes)) return 'throws' as const;
    return decodeMetricsRequest(JSON.parse(Buffer.from(bytes).toString('utf8')), RECEIVED_AT);
  } catch {
    return 'throws' as const;
  }
}

/** The reader's answer with the identity keys it adds left out (the general path adds them later). */
function jsonDecode(bytes: Uint8Array, sets = new AttributeSets()) {
  const decoded = decodeMetricsJson(bytes, RECEIVED_AT, sets);
  if (decoded === undefined) return undefined;
  for (const resource of decoded.resources) {
    for (const point of resource.points) {
      expect(point.attributesKey).toBeTypeOf('string');
      delete point.attributesKey;
    }
  }
  return decoded;
}

/** OTLP/JSON as the spec writes it: 64-bit integers as decimal strings, non-finite doubles as names. */
const otlpReplacer = (key: string, value: unknown) => {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    if (key === 'timeUnixNano' || key === 'asInt' || key === 'intValue') return String(value);
  }
  return value;
};

/** The same object with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  );
}

const SERIALIZERS: Record<string, (object: unknown) => string> = {
  plain: (object) => JSON.stringify(object),
  otlp: (object) => JSON.stringify(object, otlpReplacer),
  indented: (object) => JSON.stringify(object, otlpReplacer, 2),
  reversedKeys: (object) => JSON.stringify(reversed(object), otlpReplacer, '\t'),
};

class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

describe('OTLP/JSON metrics read straight from the bytes', () => {
  it('reads what the OpenTelemetry JS SDK serializes (gauges, counters, up-down sums) as JSON.parse does', async () => {
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
    const bytes = JsonMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array;

    const json = jsonDecode(bytes);
    expect(json).toBeDefined();
    expect(json).toEqual(fullDecode(bytes));
    const points = json?.resources[0]?.points ?? [];
    expect(points.map((p) => [p.metric, p.kind, p.value])).toEqual([
      ['hw.temperature', 'gauge', 48.5],
      ['hw.temperature', 'gauge', 51.25],
      ['perimeter.inference.requests', 'counter', 3],
      ['perimeter.spool.rows', 'sum', -2],
      ['system.network.io', 'counter', 1.5e12],
    ]);
    expect(points[1]?.attributes).toEqual([
      ['hw.id', 'gpu-die'],
      ['hw.type', 'temperature'],
    ]);
    expect(json?.resources[0]?.attributes).toMatchObject({
      'process.pid': 4242,
      'perimeter.agent.ready': true,
    });
  });

  it('decodes an attribute set once and reuses it, identity key included, across requests', () => {
    const sets = new AttributeSets();
    const body = (nodeId: string, timeMs: number) =>
      Buffer.from(SERIALIZERS.otlp?.(temperatureRound({ nodeId, timeMs, points: 100 })) ?? '');
    const first = decodeMetricsJson(body('n1', RECEIVED_AT), RECEIVED_AT, sets);
    expect(sets.size).toBe(100);
    const second = decodeMetricsJson(body('n2', RECEIVED_AT + 1000), RECEIVED_AT, sets);
    expect(sets.size).toBe(100);
    const a = first?.resources[0]?.points[7];
    const b = second?.resources[0]?.points[7];
    expect(b?.attributes).toBe(a?.attributes);
    expect(b?.attributesKey).toBe(a?.attributesKey);
    expect(b?.timeMs).toBe(RECEIVED_AT + 1000);
    expect(second?.resources[0]?.attributes).toEqual({ 'perimeter.node.id': 'n2' });
  });

  it('takes the set read at the same position last time only when the bytes are the same', () => {
    const sets = new AttributeSets();
    const body = (attributes: string) =>
      Buffer.from(
        `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asDouble":1,"attributes":${attributes}}]}}]}]}]}`,
      );
    const kv = (key: string, value: string) => `{"key":"${key}","value":{"stringValue":"${value}"}}`;
    const read = (attributes: string) =>
      decodeMetricsJson(body(attributes), RECEIVED_AT, sets)?.resources[0]?.points[0]?.attributes;
    expect(read(`[${kv('a', '1')}]`)).toEqual([['a', '1']]);
    expect(read(`[${kv('a', '1')},${kv('b', '2')}]`)).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(read(`[${kv('a', '2')}]`)).toEqual([['a', '2']]);
    expect(read(`[${kv('a', '1')}]`)).toEqual([['a', '1']]);
    expect(read('[]')).toEqual([]);
  });

  it('reads numbers and timestamps exactly as JSON.parse + toNumber + nanosToMs do', () => {
    const body = (point: string, name = 'm') =>
      Buffer.from(
        `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"${name}","gauge":{"dataPoints":[${point}]}}]}]}]}`,
      );
    const cases = [
      '{"asDouble":48.73829384729384,"timeUnixNano":"1764936000123456789"}',
      '{"asDouble":-0,"timeUnixNano":"1764936000999999999"}',
      '{"asDouble":0.1,"timeUnixNano":1764936000130000000}',
      '{"asDouble":1E-7,"timeUnixNano":"0000000"}',
      '{"asDouble":123456789012345678901234567890,"timeUnixNano":"999"}',
      '{"asInt":"9007199254740993","timeUnixNano":"0"}',
      '{"asInt":"-0012.50e+1"}',
      '{"asInt":12,"timeUnixNano":""}',
      '{"asDouble":5e-324}',
      // 17 significant digits: digits / 10^k would round twice and miss by one ulp.
      '{"asDouble":50.412039524287195}',
      '{"asDouble":-52.884428990637396}',
      '{ "timeUnixNano" : "1764936000123456789" , "asDouble" : 2.5 , "flags" : 0 }',
    ];
    for (const point of cases) {
      const decoded = jsonDecode(body(point));
      expect(decoded, point).toBeDefined();
      expect(decoded, point).toEqual(fullDecode(body(point)));
    }
    expect(jsonDecode(body(cases[0] ?? ''))?.resources[0]?.points[0]).toMatchObject({
      value: 48.73829384729384,
      timeMs: 1764936000123,
    });
  });

  it('leaves to the general path what it does not take, whether that path decodes it or refuses it', () => {
    const gauge = (point: string, metric = '"name":"m"') =>
      `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{${metric},"gauge":{"dataPoints":[${point}]}}]}]}]}`;
    const cases: Record<string, string> = {
      histogram:
        '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"h","histogram":{"dataPoints":[]}}]}]}]}',
      nan: gauge('{"asDouble":"NaN"}'),
      noValue: gauge('{"timeUnixNano":"1"}'),
      bothValues: gauge('{"asDouble":1,"asInt":"2"}'),
      emptyKey: gauge('{"asDouble":1,"attributes":[{"key":"","value":{"stringValue":"x"}}]}'),
      emptyValue: gauge('{"asDouble":1,"attributes":[{"key":"k","value":{}}]}'),
      arrayValue: gauge('{"asDouble":1,"attributes":[{"key":"k","value":{"arrayValue":{"values":[]}}}]}'),
      longLabel: gauge(
        `{"asDouble":1,"attributes":[{"key":"k","value":{"stringValue":"${'x'.repeat(1025)}"}}]}`,
      ),
      escapedValue: gauge('{"asDouble":1,"attributes":[{"key":"k","value":{"stringValue":"a\\"b"}}]}'),
      escapedKey: gauge('{"asDouble":1}', '"n\\u0061me":"m"'),
      duplicateKey: gauge('{"asDouble":1,"timeUnixNano":"1","timeUnixNano":"2"}'),
      // JSON.parse keeps the last of a repeated key: reading both would store points it drops.
      duplicateArray:
        '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asDouble":1}],"dataPoints":[{"asDouble":2}]}}]}]}]}',
      nullUnit: gauge('{"asDouble":1}', '"name":"m","unit":null'),
      rawTabInSkipped: gauge('{"asDouble":1}', '"name":"m","description":"a\tb"'),
      badEscapeInSkipped: gauge('{"asDouble":1}', '"name":"m","description":"a\\qb"'),
      emptyName: gauge('{"asDouble":1}', '"name":""'),
      snakeCase: gauge('{"as_double":1}'),
      trailingComma: gauge('{"asDouble":1,}'),
      leadingZero: gauge('{"asDouble":01}'),
      negativeTime: gauge('{"asDouble":1,"timeUnixNano":-5}'),
      bom: `\ufeff${gauge('{"asDouble":1}')}`,
      trailingGarbage: `${gauge('{"asDouble":1}')} x`,
      truncated: gauge('{"asDouble":1}').slice(0, 40),
      notAnObject: '[1,2]',
      empty: '',
    };
    for (const [name, text] of Object.entries(cases)) {
      expect(decodeMetricsJson(Buffer.from(text), RECEIVED_AT, new AttributeSets()), name).toBeUndefined();
    }
    // Skipped fields are still checked: these are JSON.parse's 400s, not the reader's guesses.
    expect(fullDecode(Buffer.from(cases.rawTabInSkipped ?? ''))).toBe('throws');
    expect(fullDecode(Buffer.from(cases.badEscapeInSkipped ?? ''))).toBe('throws');
    const badUtf8 = Buffer.from(gauge('{"asDouble":1}', '"name":"m\u00e9"'));
    badUtf8[badUtf8.indexOf(0xc3)] = 0xff;
    expect(decodeMetricsJson(badUtf8, RECEIVED_AT, new AttributeSets())).toBeUndefined();
    expect(fullDecode(badUtf8)).toBe('throws');
  });

  for (const [serializerName, serialize] of Object.entries(SERIALIZERS)) {
    it(`answers as JSON.parse + decodeMetricsRequest do, or not at all, for generated requests (${serializerName})`, () => {
      let answered = 0;
      // One set store across all runs as well as a fresh one: what earlier requests left at each
      // position and under each byte string must never stand in for different bytes.
      const shared = new AttributeSets(50);
      fc.assert(
        fc.property(metricsRequestArbitrary, (object) => {
          const bytes = Buffer.from(serialize(object));
          const json = jsonDecode(bytes);
          expect(jsonDecode(bytes, shared)).toEqual(json);
          if (json === undefined) return;
          answered++;
          expect(json).toEqual(fullDecode(bytes));
        }),
        { numRuns: 1500 },
      );
      // The generator is meant to reach the reader's own answers, not only its refusals.
      expect(answered).toBeGreaterThan(150);
    });
  }

  it('never answers where the general path refuses or differs, for mutated bodies', () => {
    const base = Buffer.from(
      JSON.stringify(temperatureRound({ nodeId: 'n1', timeMs: RECEIVED_AT, points: 3 }), otlpReplacer),
    );
    const significant = [...'{}[],:"\\ -+.0159eEntfl'].map((c) => c.charCodeAt(0));
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.nat(base.length - 1),
            byte: fc.oneof(fc.constantFrom(...significant), fc.integer({ min: 0, max: 255 })),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.nat(base.length),
        (edits, cut) => {
          const bytes = Buffer.from(base).subarray(0, Math.max(cut, base.length - 8 * edits.length));
          for (const { at, byte } of edits) if (at < bytes.length) bytes[at] = byte;
          const json = jsonDecode(bytes);
          if (json !== undefined) expect(json).toEqual(fullDecode(bytes));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
