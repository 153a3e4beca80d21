import protobuf from 'protobufjs';
import { otlpDescriptor } from './otlp-descriptor.ts';

/**
 * The OTLP requests ingest decodes and the responses it sends, from the shared descriptor
 * (otlp-descriptor.ts) with only the fields ingest reads.
 */

// 64-bit fields decode to plain numbers: timestamps lose sub-microsecond precision, which the store
// (milliseconds) does not keep anyway, and we avoid a Long object per data point on the hot path.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

const root = protobuf.Root.fromJSON(otlpDescriptor('otlp', 'ingest'));

export const OtlpTypes = {
  metricsRequest: root.lookupType('otlp.ExportMetricsServiceRequest'),
  logsRequest: root.lookupType('otlp.ExportLogsServiceRequest'),
  metricsResponse: root.lookupType('otlp.ExportMetricsServiceResponse'),
  logsResponse: root.lookupType('otlp.ExportLogsServiceResponse'),
};
