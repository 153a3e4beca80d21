import type { INamespace } from 'protobufjs';
import { ANY_VALUE_MEMBERS } from './otlp-values.ts';

/**
 * The OTLP protocol (opentelemetry-proto v1: common, resource, metrics, logs and the two collector
 * services' responses) as a protobufjs reflection descriptor, written once for the two roots built
 * from it. Field numbers are the protocol's; the OTel JS packages ship an encoder but no request
 * decoder, so the schema is written out here as data and protobufjs does the decoding.
 *
 * - `ingest` (otlp-proto.ts) has only the fields ingest reads: protobufjs skips the others on the
 *   wire without decoding them (exemplars, bucket counts, …), which keeps the hot path lean.
 * - `archive` (otlp-full-proto.ts) has every field, since a transcoded batch must keep
 *   all of them. Field order is declaration order for both: it is the order of the keys of a
 *   decoded message and so of the OTLP/JSON the forward writes.
 *
 * 64-bit handling is not part of the descriptor: each root's user decides it (see those modules).
 */
export type OtlpFieldSet = 'ingest' | 'archive';

const field = (type: string, id: number) => ({ type, id });
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });

export function otlpDescriptor(namespace: string, fieldSet: OtlpFieldSet): INamespace {
  const archiveOnly = <T extends object>(fields: T): T | Record<string, never> =>
    fieldSet === 'archive' ? fields : {};
  const pointTimes = { startTimeUnixNano: field('fixed64', 2), timeUnixNano: field('fixed64', 3) };
  const aggregatedPoint = (attributesId: number) => ({
    attributes: repeated('KeyValue', attributesId),
    ...pointTimes,
    count: field('fixed64', 4),
    sum: field('double', 5),
  });
  const withTemporality = (pointType: string) => ({
    fields: { dataPoints: repeated(pointType, 1), aggregationTemporality: field('int32', 2) },
  });
  const resourceItems = (listName: string, scopeType: string) => ({
    fields: {
      resource: field('Resource', 1),
      [listName]: repeated(scopeType, 2),
      schemaUrl: field('string', 3),
    },
  });
  const scopeItems = (listName: string, itemType: string) => ({
    fields: {
      scope: field('InstrumentationScope', 1),
      [listName]: repeated(itemType, 2),
      schemaUrl: field('string', 3),
    },
  });
  const partialSuccess = (rejectedName: string) => ({
    fields: { [rejectedName]: field('int64', 1), errorMessage: field('string', 2) },
  });
  return {
    nested: {
      [namespace]: {
        nested: {
          AnyValue: {
            oneofs: {
              value: {
                oneof: [...ANY_VALUE_MEMBERS],
              },
            },
            fields: {
              stringValue: field('string', 1),
              boolValue: field('bool', 2),
              intValue: field('int64', 3),
              doubleValue: field('double', 4),
              arrayValue: field('ArrayValue', 5),
              kvlistValue: field('KeyValueList', 6),
              bytesValue: field('bytes', 7),
            },
          },
          ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
          KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
          KeyValue: { fields: { key: field('string', 1), value: field('AnyValue', 2) } },
          InstrumentationScope: {
            fields: {
              name: field('string', 1),
              version: field('string', 2),
              attributes: repeated('KeyValue', 3),
              ...archiveOnly({ droppedAttributesCount: field('uint32', 4) }),
            },
          },
          Resource: {
            fields: {
              attributes: repeated('KeyValue', 1),
              ...archiveOnly({ droppedAttributesCount: field('uint32', 2) }),
            },
          },
          // metrics/v1
          ExportMetricsServiceRequest: { fields: { resourceMetrics: repeated('ResourceMetrics', 1) } },
          ResourceMetrics: resourceItems('scopeMetrics', 'ScopeMetrics'),
          ScopeMetrics: scopeItems('metrics', 'Metric'),
          Metric: {
            oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
            fields: {
              name: field('string', 1),
              description: field('string', 2),
              unit: field('string', 3),
              gauge: field('Gauge', 5),
              sum: field('Sum', 7),
              histogram: field('Histogram', 9),
              exponentialHistogram: field('ExponentialHistogram', 10),
              summary: field('Summary', 11),
              ...archiveOnly({ metadata: repeated('KeyValue', 12) }),
            },
          },
          Gauge: { fields: { dataPoints: repeated('NumberDataPoint', 1) } },
          Sum: {
            fields: { ...withTemporality('NumberDataPoint').fields, isMonotonic: field('bool', 3) },
          },
          Histogram: withTemporality('HistogramDataPoint'),
          ExponentialHistogram: withTemporality('ExponentialHistogramDataPoint'),
          Summary: { fields: { dataPoints: repeated('SummaryDataPoint', 1) } },
          Exemplar: {
            oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
            fields: {
              filteredAttributes: repeated('KeyValue', 7),
              timeUnixNano: field('fixed64', 2),
              asDouble: field('double', 3),
              asInt: field('sfixed64', 6),
              spanId: field('bytes', 4),
              traceId: field('bytes', 5),
            },
          },
          NumberDataPoint: {
            oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
            fields: {
              attributes: repeated('KeyValue', 7),
              ...pointTimes,
              asDouble: field('double', 4),
              asInt: field('sfixed64', 6),
              ...archiveOnly({ exemplars: repeated('Exemplar', 5) }),
              flags: field('uint32', 8),
            },
          },
          HistogramDataPoint: {
            fields: {
              ...aggregatedPoint(9),
              ...archiveOnly({
                bucketCounts: repeated('fixed64', 6),
                explicitBounds: repeated('double', 7),
                exemplars: repeated('Exemplar', 8),
              }),
              flags: field('uint32', 10),
              ...archiveOnly({ min: field('double', 11), max: field('double', 12) }),
            },
          },
          Buckets: { fields: { offset: field('sint32', 1), bucketCounts: repeated('uint64', 2) } },
          ExponentialHistogramDataPoint: {
            fields: {
              ...aggregatedPoint(1),
              ...archiveOnly({
                scale: field('sint32', 6),
                zeroCount: field('fixed64', 7),
                positive: field('Buckets', 8),
                negative: field('Buckets', 9),
              }),
              flags: field('uint32', 10),
              ...archiveOnly({
                exemplars: repeated('Exemplar', 11),
                min: field('double', 12),
                max: field('double', 13),
                zeroThreshold: field('double', 14),
              }),
            },
          },
          ValueAtQuantile: { fields: { quantile: field('double', 1), value: field('double', 2) } },
          SummaryDataPoint: {
            fields: {
              ...aggregatedPoint(7),
              ...archiveOnly({ quantileValues: repeated('ValueAtQuantile', 6) }),
              flags: field('uint32', 8),
            },
          },
          // logs/v1
          ExportLogsServiceRequest: { fields: { resourceLogs: repeated('ResourceLogs', 1) } },
          ResourceLogs: resourceItems('scopeLogs', 'ScopeLogs'),
          ScopeLogs: scopeItems('logRecords', 'LogRecord'),
          LogRecord: {
            fields: {
              timeUnixNano: field('fixed64', 1),
              observedTimeUnixNano: field('fixed64', 11),
              severityNumber: field('int32', 2),
              severityText: field('string', 3),
              body: field('AnyValue', 5),
              attributes: repeated('KeyValue', 6),
              ...archiveOnly({ droppedAttributesCount: field('uint32', 7) }),
              flags: field('fixed32', 8),
              traceId: field('bytes', 9),
              spanId: field('bytes', 10),
              eventName: field('string', 12),
            },
          },
          // collector responses
          ExportMetricsServiceResponse: {
            fields: { partialSuccess: field('ExportMetricsPartialSuccess', 1) },
          },
          ExportMetricsPartialSuccess: partialSuccess('rejectedDataPoints'),
          ExportLogsServiceResponse: { fields: { partialSuccess: field('ExportLogsPartialSuccess', 1) } },
          ExportLogsPartialSuccess: partialSuccess('rejectedLogRecords'),
        },
      },
    },
  };
}
