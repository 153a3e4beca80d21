import protobuf from 'protobufjs';

/**
 * The subset of the OTLP protocol (opentelemetry-proto v1: common, resource, metrics, logs and the
 * two collector services) that ingest decodes, as a protobufjs reflection descriptor. Field numbers
 * are the protocol's; the OTel JS packages ship an encoder but no request decoder, so the schema is
 * written out here as data and protobufjs does the decoding.
 */

// 64-bit fields decode to plain numbers: timestamps lose sub-microsecond precision, which the store
// (milliseconds) does not keep anyway, and we avoid a Long object per data point on the hot path.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

const keyValue = { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } };
const dataPointCommon = {
  startTimeUnixNano: { type: 'fixed64', id: 2 },
  timeUnixNano: { type: 'fixed64', id: 3 },
};

const descriptor = {
  nested: {
    otlp: {
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
        ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
        KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
        KeyValue: keyValue,
        InstrumentationScope: {
          fields: {
            name: { type: 'string', id: 1 },
            version: { type: 'string', id: 2 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
          },
        },
        Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
        // metrics/v1
        ExportMetricsServiceRequest: {
          fields: { resourceMetrics: { rule: 'repeated', type: 'ResourceMetrics', id: 1 } },
        },
        ResourceMetrics: {
          fields: {
            resource: { type: 'Resource', id: 1 },
            scopeMetrics: { rule: 'repeated', type: 'ScopeMetrics', id: 2 },
            schemaUrl: { type: 'string', id: 3 },
          },
        },
        ScopeMetrics: {
          fields: {
            scope: { type: 'InstrumentationScope', id: 1 },
            metrics: { rule: 'repeated', type: 'Metric', id: 2 },
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
          },
        },
        Gauge: { fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 } } },
        Sum: {
          fields: {
            dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 },
            aggregationTemporality: { type: 'int32', id: 2 },
            isMonotonic: { type: 'bool', id: 3 },
          },
        },
        Histogram: {
          fields: {
            dataPoints: { rule: 'repeated', type: 'HistogramDataPoint', id: 1 },
            aggregationTemporality: { type: 'int32', id: 2 },
          },
        },
        ExponentialHistogram: {
          fields: {
            dataPoints: { rule: 'repeated', type: 'ExponentialHistogramDataPoint', id: 1 },
            aggregationTemporality: { type: 'int32', id: 2 },
          },
        },
        Summary: { fields: { dataPoints: { rule: 'repeated', type: 'SummaryDataPoint', id: 1 } } },
        NumberDataPoint: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            attributes: { rule: 'repeated', type: 'KeyValue', id: 7 },
            ...dataPointCommon,
            asDouble: { type: 'double', id: 4 },
            asInt: { type: 'sfixed64', id: 6 },
            flags: { type: 'uint32', id: 8 },
          },
        },
        HistogramDataPoint: {
          fields: {
            attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
            ...dataPointCommon,
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            flags: { type: 'uint32', id: 10 },
          },
        },
        ExponentialHistogramDataPoint: {
          fields: {
            attributes: { rule: 'repeated', type: 'KeyValue', id: 1 },
            ...dataPointCommon,
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            flags: { type: 'uint32', id: 10 },
          },
        },
        SummaryDataPoint: {
          fields: {
            attributes: { rule: 'repeated', type: 'KeyValue', id: 7 },
            ...dataPointCommon,
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            flags: { type: 'uint32', id: 8 },
          },
        },
        // logs/v1
        ExportLogsServiceRequest: {
          fields: { resourceLogs: { rule: 'repeated', type: 'ResourceLogs', id: 1 } },
        },
        ResourceLogs: {
          fields: {
            resource: { type: 'Resource', id: 1 },
            scopeLogs: { rule: 'repeated', type: 'ScopeLogs', id: 2 },
            schemaUrl: { type: 'string', id: 3 },
          },
        },
        ScopeLogs: {
          fields: {
            scope: { type: 'InstrumentationScope', id: 1 },
            logRecords: { rule: 'repeated', type: 'LogRecord', id: 2 },
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
            attributes: { rule: 'repeated', type: 'KeyValue', id: 6 },
            flags: { type: 'fixed32', id: 8 },
            traceId: { type: 'bytes', id: 9 },
            spanId: { type: 'bytes', id: 10 },
            eventName: { type: 'string', id: 12 },
          },
        },
        // collector responses
        ExportMetricsServiceResponse: {
          fields: { partialSuccess: { type: 'ExportMetricsPartialSuccess', id: 1 } },
        },
        ExportMetricsPartialSuccess: {
          fields: { rejectedDataPoints: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } },
        },
        ExportLogsServiceResponse: {
          fields: { partialSuccess: { type: 'ExportLogsPartialSuccess', id: 1 } },
        },
        ExportLogsPartialSuccess: {
          fields: { rejectedLogRecords: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

export const OtlpTypes = {
  metricsRequest: root.lookupType('otlp.ExportMetricsServiceRequest'),
  logsRequest: root.lookupType('otlp.ExportLogsServiceRequest'),
  metricsResponse: root.lookupType('otlp.ExportMetricsServiceResponse'),
  logsResponse: root.lookupType('otlp.ExportLogsServiceResponse'),
};
