import fc from 'fast-check';

/**
 * Generated ExportMetricsServiceRequests, as plain objects in protobufjs's `fromObject` shape, for
 * the property tests that hold each fast metrics reader (decode-metrics-wire.ts for protobuf,
 * decode-metrics-json.ts for JSON) to the general decoder's answer. They reach both the readers'
 * own answers and their refusals: empty keys and names, NaN, both oneof members, empty values.
 */
const scalar = fc.oneof(
  fc.record({ stringValue: fc.string({ maxLength: 12 }) }),
  fc.record({ stringValue: fc.string({ unit: 'binary', maxLength: 8 }) }),
  fc.record({ boolValue: fc.boolean() }),
  fc.record({ intValue: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) }),
  fc.record({ doubleValue: fc.double() }),
  fc.constant({}),
);

const attributes = fc.array(
  fc.record(
    { key: fc.constantFrom('a', 'b', 'hw.id', 'z', '', '1', '10'), value: scalar },
    { requiredKeys: ['key'] },
  ),
  { maxLength: 4 },
);

const point = fc.record(
  {
    // Today's epoch in nanoseconds is past 2^53: protobufjs reads the nearest double, which for
    // ...130000000000 is ...129999999872, and ingest must still say ...130 ms.
    timeUnixNano: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 2 ** 52 }),
      fc.constantFrom('1764936000123456789', '1764936000130000000', '1764936000999999999'),
    ),
    asDouble: fc.oneof(fc.double(), fc.constant(Number.NaN)),
    asInt: fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
    attributes,
  },
  { requiredKeys: [] },
);

const gauge = fc.record({ dataPoints: fc.array(point, { maxLength: 4 }) });
const sum = fc.record({
  dataPoints: fc.array(point, { maxLength: 4 }),
  aggregationTemporality: fc.integer({ min: 0, max: 2 }),
  isMonotonic: fc.boolean(),
});

const metric = fc
  .tuple(
    fc.record(
      {
        name: fc.oneof(fc.constantFrom('hw.temperature', 'system.cpu.time', ''), fc.string({ maxLength: 6 })),
        unit: fc.constantFrom('', 'Cel', 'By'),
        description: fc.string({ maxLength: 6 }),
      },
      { requiredKeys: ['name'] },
    ),
    fc.oneof(fc.record({ gauge }), fc.record({ sum }), fc.record({ gauge, sum }), fc.constant({})),
  )
  .map(([head, data]) => ({ ...head, ...data }));

export const metricsRequestArbitrary = fc.record({
  resourceMetrics: fc.array(
    fc.record(
      {
        resource: fc.record({ attributes }),
        scopeMetrics: fc.array(
          fc.record(
            {
              scope: fc.record({ name: fc.string({ maxLength: 5 }) }),
              metrics: fc.array(metric, { maxLength: 3 }),
            },
            { requiredKeys: ['metrics'] },
          ),
          { maxLength: 2 },
        ),
        schemaUrl: fc.string({ maxLength: 4 }),
      },
      { requiredKeys: ['scopeMetrics'] },
    ),
    { maxLength: 2 },
  ),
});
