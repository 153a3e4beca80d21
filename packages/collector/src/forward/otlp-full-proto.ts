import protobuf from 'protobufjs';

/**
 * OTLP metrics and logs (opentelemetry-proto v1) with every field an archive needs, for
 * transcoding between protobuf and OTLP/JSON (ingest's descriptor in ../ingest/otlp-proto.ts only
 * has what ingest decodes). 64-bit integers go through `ExactReader`/`ExactWriter` as decimal
 * strings, so nanosecond timestamps and counts survive the trip exactly (protobufjs is configured
 * without Long, which would otherwise round them to doubles).
 */
const attributes = (id: number) => ({ rule: 'repeated', type: 'KeyValue', id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });

const descriptor = {
  nested: {
    otlpfull: {
      nested: {
        AnyValue: {
          oneofs: {
            value: {
              oneof: [
                'stringValue',
                'boolValue',
                'intValue',
                'doubleValue',
                'arrayValue',
                'kvlistValue',
                'bytesValue',
              ],
            },
          },
          fields: {
            stringValue: { type: 'string', id: 1 },
            boolValue: { type: 'bool', id: 2 },
            intValue: { type: 'int64', id: 3 },
            doubleValue: { type: 'double', id: 4 },
            arrayValue: { type: 'ArrayValue', id: 5 },
            kvlistValue: { type: 'KeyValueList', id: 6 },
            bytesValue: { type: 'bytes', id: 7 },
          },
        },
        ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
        KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
        KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
        InstrumentationScope: {
          fields: {
            name: { type: 'string', id: 1 },
            version: { type: 'string', id: 2 },
            attributes: attributes(3),
            droppedAttributesCount: { type: 'uint32', id: 4 },
          },
        },
        Resource: {
          fields: { attributes: attributes(1), droppedAttributesCount: { type: 'uint32', id: 2 } },
        },
        ExportMetricsServiceRequest: { fields: { resourceMetrics: repeated('ResourceMetrics', 1) } },
        ResourceMetrics: {
          fields: {
            resource: { type: 'Resource', id: 1 },
            scopeMetrics: repeated('ScopeMetrics', 2),
            schemaUrl: { type: 'string', id: 3 },
          },
        },
        ScopeMetrics: {
          fields: {
            scope: { type: 'InstrumentationScope', id: 1 },
            metrics: repeated('Metric', 2),
            schemaUrl: { type: 'string', id: 3 },
          },
        },
        Metric: {
          oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
          fields: {
            name: { type: 'string', id: 1 },
            description: { type: 'string', id: 2 },
            unit: { type: 'string', id: 3 },
            gauge: { type: 'Gauge', id: 5 },
            sum: { type: 'Sum', id: 7 },
            histogram: { type: 'Histogram', id: 9 },
            exponentialHistogram: { type: 'ExponentialHistogram', id: 10 },
            summary: { type: 'Summary', id: 11 },
            metadata: attributes(12),
          },
        },
        Gauge: { fields: { dataPoints: repeated('NumberDataPoint', 1) } },
        Sum: {
          fields: {
            dataPoints: repeated('NumberDataPoint', 1),
            aggregationTemporality: { type: 'int32', id: 2 },
            isMonotonic: { type: 'bool', id: 3 },
          },
        },
        Histogram: {
          fields: {
            dataPoints: repeated('HistogramDataPoint', 1),
            aggregationTemporality: { type: 'int32', id: 2 },
          },
        },
        ExponentialHistogram: {
          fields: {
            dataPoints: repeated('ExponentialHistogramDataPoint', 1),
            aggregationTemporality: { type: 'int32', id: 2 },
          },
        },
        Summary: { fields: { dataPoints: repeated('SummaryDataPoint', 1) } },
        Exemplar: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            filteredAttributes: attributes(7),
            timeUnixNano: { type: 'fixed64', id: 2 },
            asDouble: { type: 'double', id: 3 },
            asInt: { type: 'sfixed64', id: 6 },
            spanId: { type: 'bytes', id: 4 },
            traceId: { type: 'bytes', id: 5 },
          },
        },
        NumberDataPoint: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            attributes: attributes(7),
            startTimeUnixNano: { type: 'fixed64', id: 2 },
            timeUnixNano: { type: 'fixed64', id: 3 },
            asDouble: { type: 'double', id: 4 },
            asInt: { type: 'sfixed64', id: 6 },
            exemplars: repeated('Exemplar', 5),
            flags: { type: 'uint32', id: 8 },
          },
        },
        HistogramDataPoint: {
          fields: {
            attributes: attributes(9),
            startTimeUnixNano: { type: 'fixed64', id: 2 },
            timeUnixNano: { type: 'fixed64', id: 3 },
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            bucketCounts: { rule: 'repeated', type: 'fixed64', id: 6 },
            explicitBounds: { rule: 'repeated', type: 'double', id: 7 },
            exemplars: repeated('Exemplar', 8),
            flags: { type: 'uint32', id: 10 },
            min: { type: 'double', id: 11 },
            max: { type: 'double', id: 12 },
          },
        },
        Buckets: {
          fields: {
            offset: { type: 'sint32', id: 1 },
            bucketCounts: { rule: 'repeated', type: 'uint64', id: 2 },
          },
        },
        ExponentialHistogramDataPoint: {
          fields: {
            attributes: attributes(1),
            startTimeUnixNano: { type: 'fixed64', id: 2 },
            timeUnixNano: { type: 'fixed64', id: 3 },
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            scale: { type: 'sint32', id: 6 },
            zeroCount: { type: 'fixed64', id: 7 },
            positive: { type: 'Buckets', id: 8 },
            negative: { type: 'Buckets', id: 9 },
            flags: { type: 'uint32', id: 10 },
            exemplars: repeated('Exemplar', 11),
            min: { type: 'double', id: 12 },
            max: { type: 'double', id: 13 },
            zeroThreshold: { type: 'double', id: 14 },
          },
        },
        ValueAtQuantile: {
          fields: { quantile: { type: 'double', id: 1 }, value: { type: 'double', id: 2 } },
        },
        SummaryDataPoint: {
          fields: {
            attributes: attributes(7),
            startTimeUnixNano: { type: 'fixed64', id: 2 },
            timeUnixNano: { type: 'fixed64', id: 3 },
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            quantileValues: repeated('ValueAtQuantile', 6),
            flags: { type: 'uint32', id: 8 },
          },
        },
        ExportLogsServiceRequest: { fields: { resourceLogs: repeated('ResourceLogs', 1) } },
        ResourceLogs: {
          fields: {
            resource: { type: 'Resource', id: 1 },
            scopeLogs: repeated('ScopeLogs', 2),
            schemaUrl: { type: 'string', id: 3 },
          },
        },
        ScopeLogs: {
          fields: {
            scope: { type: 'InstrumentationScope', id: 1 },
            logRecords: repeated('LogRecord', 2),
            schemaUrl: { type: 'string', id: 3 },
          },
        },
        LogRecord: {
          fields: {
            timeUnixNano: { type: 'fixed64', id: 1 },
            observedTimeUnixNano: { type: 'fixed64', id: 11 },
            severityNumber: { type: 'int32', id: 2 },
            severityText: { type: 'string', id: 3 },
            body: { type: 'AnyValue', id: 5 },
            attributes: attributes(6),
            droppedAttributesCount: { type: 'uint32', id: 7 },
            flags: { type: 'fixed32', id: 8 },
            traceId: { type: 'bytes', id: 9 },
            spanId: { type: 'bytes', id: 10 },
            eventName: { type: 'string', id: 12 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

export const OtlpFullTypes = {
  metricsRequest: root.lookupType('otlpfull.ExportMetricsServiceRequest'),
  logsRequest: root.lookupType('otlpfull.ExportLogsServiceRequest'),
};

const MASK32 = 0xffffffffn;

/** Reads 64-bit integers as exact decimal strings. */
export class ExactReader extends protobuf.Reader {
  override fixed64(): never {
    return this.readFixed(false) as never;
  }
  override sfixed64(): never {
    return this.readFixed(true) as never;
  }
  override uint64(): never {
    return this.readVarint64().toString() as never;
  }
  override int64(): never {
    return BigInt.asIntN(64, this.readVarint64()).toString() as never;
  }
  private readFixed(signed: boolean): string {
    const lo = BigInt(this.fixed32());
    const hi = BigInt(this.fixed32());
    const bits = (hi << 32n) | lo;
    return (signed ? BigInt.asIntN(64, bits) : bits).toString();
  }
  private readVarint64(): bigint {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.len || shift > 63n) {
        throw new RangeError('malformed 64-bit varint');
      }
      const byte = this.buf[this.pos++] as number;
      value |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (byte < 0x80) {
        return value;
      }
    }
  }
}

/** Writes 64-bit integers given as decimal strings, bigints or numbers, exactly. */
export class ExactWriter extends protobuf.Writer {
  override fixed64(value: unknown): protobuf.Writer {
    return super.fixed64(toLongBits(value) as never);
  }
  override sfixed64(value: unknown): protobuf.Writer {
    return super.sfixed64(toLongBits(value) as never);
  }
  override uint64(value: unknown): protobuf.Writer {
    return super.uint64(toLongBits(value) as never);
  }
  override int64(value: unknown): protobuf.Writer {
    return super.int64(toLongBits(value) as never);
  }
}

function toLongBits(value: unknown): { low: number; high: number; unsigned: boolean } | number {
  if (typeof value !== 'string' && typeof value !== 'bigint') {
    return Number(value ?? 0);
  }
  const bits = BigInt.asUintN(64, BigInt(value));
  // protobufjs reads {low, high} as signed 32-bit halves.
  return { low: Number(bits & MASK32) | 0, high: Number(bits >> 32n) | 0, unsigned: false };
}
