import type { AnyValue, Attributes } from '@opentelemetry/api';
import type { AttributeValue } from '../samplers/types.ts';
import {
  anyValueSize,
  attributeSize,
  createKeyCache,
  encodeResource,
  encodeScope,
  I64,
  LEN,
  lenSize,
  tag,
  VARINT,
  varintSize,
  Writer,
  writeAnyValue,
  writeAttribute,
} from './otlp-protobuf.ts';

/**
 * The agent's events as one OTLP ExportLogsServiceRequest (opentelemetry-proto logs/v1), the exact
 * bytes @opentelemetry/otlp-transformer's ProtobufLogsSerializer writes for the same records
 * through the SDK's LoggerProvider (otlp-logs-encoder.test.ts compares them byte for byte).
 *
 * Why not the SDK: the agent runs without TurboFan (--no-opt, for memory), and the SDK path makes
 * a LogRecordImpl per event (attribute checks and copies), then measures and writes every string
 * one character at a time in JavaScript, twice (a size pass, a write pass). At 5 requests/s on an
 * access log that was the largest single cost of the AI sources (~80 µs a record, 18,000 records an
 * hour). Here the resource and scope are encoded once, attribute keys once each, and strings are
 * measured and written by Buffer's native UTF-8 code.
 *
 * Field numbers, in the order the SDK's serializer writes them:
 * ExportLogsServiceRequest { 1 resource_logs }
 * ResourceLogs { 1 resource, 2 scope_logs }  Resource { 1 attributes, 2 dropped_attributes_count = 0 }
 * ScopeLogs { 1 scope, 2 log_records }       InstrumentationScope { 1 name, 2 version }
 * LogRecord { 1 time_unix_nano (fixed64), 2 severity_number, 3 severity_text, 5 body, 6 attributes,
 *             7 dropped_attributes_count (always written), 11 observed_time_unix_nano, 12 event_name }
 * KeyValue { 1 key, 2 value }  AnyValue { 1 string, 2 bool, 3 int, 4 double, 5 array, 6 kvlist, 7 bytes }
 */
export interface EncodableLogRecord {
  timeMs: number;
  observedMs: number;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Readonly<Record<string, AttributeValue>>;
  eventName: string;
}

export interface LogsEncoder {
  encode(records: readonly EncodableLogRecord[]): Uint8Array;
}

export function createLogsEncoder(options: {
  resourceAttributes: Attributes;
  scopeName: string;
  scopeVersion: string;
}): LogsEncoder {
  const resource = encodeResource(options.resourceAttributes);
  const scope = encodeScope(options.scopeName, options.scopeVersion);
  const keyBytes = createKeyCache();

  const recordSize = (record: EncodableLogRecord): number => {
    let size = 9; // time_unix_nano
    if (record.severityNumber !== 0) size += 1 + varintSize(record.severityNumber);
    if (record.severityText !== '') size += lenSize(Buffer.byteLength(record.severityText));
    if (record.body !== undefined) size += lenSize(anyValueSize(record.body));
    for (const key in record.attributes) {
      const value = record.attributes[key];
      if (value === undefined || value === null) continue;
      size += attributeSize(keyBytes(key), value);
    }
    size += 2; // dropped_attributes_count = 0
    size += 9; // observed_time_unix_nano
    if (record.eventName !== '') size += lenSize(Buffer.byteLength(record.eventName));
    return size;
  };

  const writeRecord = (writer: Writer, record: EncodableLogRecord, size: number): void => {
    writer.byte(tag(2, LEN));
    writer.varint(size);
    writer.byte(tag(1, I64));
    writer.fixed64Nanos(record.timeMs);
    if (record.severityNumber !== 0) {
      writer.byte(tag(2, VARINT));
      writer.varint(record.severityNumber);
    }
    if (record.severityText !== '') {
      writer.byte(tag(3, LEN));
      writer.string(record.severityText, Buffer.byteLength(record.severityText));
    }
    if (record.body !== undefined) {
      writer.byte(tag(5, LEN));
      writer.varint(anyValueSize(record.body));
      writeAnyValue(writer, record.body);
    }
    for (const key in record.attributes) {
      const value = record.attributes[key];
      if (value === undefined || value === null) continue;
      writeAttribute(writer, 6, keyBytes(key), value);
    }
    writer.byte(tag(7, VARINT));
    writer.byte(0);
    writer.byte(tag(11, I64));
    writer.fixed64Nanos(record.observedMs);
    if (record.eventName !== '') {
      writer.byte(tag(12, LEN));
      writer.string(record.eventName, Buffer.byteLength(record.eventName));
    }
  };

  return {
    encode(records) {
      const sizes = records.map(recordSize);
      let scopeLogs = scope.byteLength;
      for (const size of sizes) scopeLogs += lenSize(size);
      const resourceLogs = resource.byteLength + lenSize(scopeLogs);
      const writer = new Writer(lenSize(resourceLogs));
      writer.byte(tag(1, LEN));
      writer.varint(resourceLogs);
      writer.buffer.set(resource, writer.pos);
      writer.pos += resource.byteLength;
      writer.byte(tag(2, LEN));
      writer.varint(scopeLogs);
      writer.buffer.set(scope, writer.pos);
      writer.pos += scope.byteLength;
      records.forEach((record, index) => {
        writeRecord(writer, record, sizes[index] as number);
      });
      if (writer.pos !== writer.buffer.byteLength) {
        throw new Error(`OTLP logs encoder wrote ${writer.pos} of ${writer.buffer.byteLength} bytes`);
      }
      return writer.buffer;
    },
  };
}
