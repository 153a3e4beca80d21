import type { AnyValue, Attributes } from '@opentelemetry/api';
import type { AttributeValue } from '../samplers/types.ts';

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

const LEN = 2;
const VARINT = 0;
const I64 = 1;
const tag = (field: number, wire: number) => (field << 3) | wire;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;
/** Keys worth keeping encoded: attribute names are a closed set; a kvlist body's keys may not be. */
const MAX_CACHED_KEYS = 512;

function varintSize(value: number): number {
  if (value < 0) return 10;
  let size = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 128);
    size += 1;
  }
  return size;
}

const lenSize = (length: number) => 1 + varintSize(length) + length;

function isInt64(value: number): boolean {
  return Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64;
}

class Writer {
  buffer: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }
  byte(value: number): void {
    this.buffer[this.pos++] = value;
  }
  varint(value: number): void {
    if (value < 0) {
      // Two's complement over 64 bits, as protobuf writes a negative int64 (ten bytes).
      const big = BigInt.asUintN(64, BigInt(value));
      this.pos = writeBigVarint(this.buffer, this.pos, big);
      return;
    }
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.pos++] = (rest % 128) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.buffer[this.pos++] = rest;
  }
  string(value: string, byteLength: number): void {
    this.varint(byteLength);
    this.pos += this.buffer.write(value, this.pos, byteLength, 'utf8');
  }
  bytes(value: Uint8Array): void {
    this.varint(value.byteLength);
    this.buffer.set(value, this.pos);
    this.pos += value.byteLength;
  }
  fixed64Nanos(ms: number): void {
    // As the SDK: whole seconds and rounded nanoseconds (millisToHrTime), then seconds * 1e9 + nanos.
    const seconds = Math.trunc(ms / 1000);
    const nanos = Math.round((ms % 1000) * 1e6);
    this.buffer.writeBigUInt64LE(
      BigInt.asUintN(64, BigInt(seconds) * 1_000_000_000n + BigInt(nanos)),
      this.pos,
    );
    this.pos += 8;
  }
  double(value: number): void {
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }
}

function writeBigVarint(buffer: Buffer, at: number, value: bigint): number {
  let pos = at;
  let rest = value;
  while (rest >= 0x80n) {
    buffer[pos++] = Number(rest & 0x7fn) | 0x80;
    rest >>= 7n;
  }
  buffer[pos++] = Number(rest);
  return pos;
}

/** The inside of an AnyValue (its one field), without its own length. */
function anyValueSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return lenSize(Buffer.byteLength(value));
    case 'boolean':
      return 2;
    case 'number':
      return isInt64(value) ? 1 + varintSize(value) : 9;
  }
  if (value instanceof Uint8Array) return lenSize(value.byteLength);
  if (Array.isArray(value)) {
    let inner = 0;
    for (const item of value) inner += lenSize(anyValueSize(item));
    return lenSize(inner);
  }
  if (typeof value === 'object' && value !== null) {
    let inner = 0;
    for (const [key, item] of Object.entries(value)) inner += lenSize(keyValueSize(key, item));
    return lenSize(inner);
  }
  return 0;
}

function writeAnyValue(writer: Writer, value: unknown): void {
  switch (typeof value) {
    case 'string':
      writer.byte(tag(1, LEN));
      writer.string(value, Buffer.byteLength(value));
      return;
    case 'boolean':
      writer.byte(tag(2, VARINT));
      writer.byte(value ? 1 : 0);
      return;
    case 'number':
      if (isInt64(value)) {
        writer.byte(tag(3, VARINT));
        writer.varint(value);
      } else {
        writer.byte(tag(4, I64));
        writer.double(value);
      }
      return;
  }
  if (value instanceof Uint8Array) {
    writer.byte(tag(7, LEN));
    writer.bytes(value);
  } else if (Array.isArray(value)) {
    writer.byte(tag(5, LEN));
    let inner = 0;
    for (const item of value) inner += lenSize(anyValueSize(item));
    writer.varint(inner);
    for (const item of value) {
      writer.byte(tag(1, LEN));
      writer.varint(anyValueSize(item));
      writeAnyValue(writer, item);
    }
  } else if (typeof value === 'object' && value !== null) {
    writer.byte(tag(6, LEN));
    const entries = Object.entries(value);
    let inner = 0;
    for (const [key, item] of entries) inner += lenSize(keyValueSize(key, item));
    writer.varint(inner);
    for (const [key, item] of entries) {
      writer.byte(tag(1, LEN));
      writer.varint(keyValueSize(key, item));
      writeKeyValue(writer, key, item);
    }
  }
}

function keyValueSize(key: string, value: unknown): number {
  return lenSize(Buffer.byteLength(key)) + lenSize(anyValueSize(value));
}

function writeKeyValue(writer: Writer, key: string, value: unknown): void {
  writer.byte(tag(1, LEN));
  writer.string(key, Buffer.byteLength(key));
  writer.byte(tag(2, LEN));
  writer.varint(anyValueSize(value));
  writeAnyValue(writer, value);
}

/** A whole message, encoded once: the resource and the scope never change in an agent's life. */
function encodedOnce(size: number, write: (writer: Writer) => void): Buffer {
  const writer = new Writer(size);
  write(writer);
  return writer.buffer.subarray(0, writer.pos);
}

export function createLogsEncoder(options: {
  resourceAttributes: Attributes;
  scopeName: string;
  scopeVersion: string;
}): LogsEncoder {
  const resourceEntries = Object.entries(options.resourceAttributes);
  let resourceInner = 2; // dropped_attributes_count = 0
  for (const [key, value] of resourceEntries) resourceInner += lenSize(keyValueSize(key, value));
  // ResourceLogs field 1: the Resource with its tag and length.
  const resource = encodedOnce(lenSize(resourceInner), (writer) => {
    writer.byte(tag(1, LEN));
    writer.varint(resourceInner);
    for (const [key, value] of resourceEntries) {
      writer.byte(tag(1, LEN));
      writer.varint(keyValueSize(key, value));
      writeKeyValue(writer, key, value);
    }
    writer.byte(tag(2, VARINT));
    writer.byte(0);
  });
  const nameBytes = Buffer.byteLength(options.scopeName);
  const versionBytes = Buffer.byteLength(options.scopeVersion);
  const scopeInner = lenSize(nameBytes) + (versionBytes > 0 ? lenSize(versionBytes) : 0);
  // ScopeLogs field 1: the InstrumentationScope with its tag and length.
  const scope = encodedOnce(lenSize(scopeInner), (writer) => {
    writer.byte(tag(1, LEN));
    writer.varint(scopeInner);
    writer.byte(tag(1, LEN));
    writer.string(options.scopeName, nameBytes);
    if (versionBytes > 0) {
      writer.byte(tag(2, LEN));
      writer.string(options.scopeVersion, versionBytes);
    }
  });

  // KeyValue field 1 (tag, length, UTF-8) per attribute name, encoded on first use.
  const keys = new Map<string, Buffer>();
  const keyBytes = (key: string): Buffer => {
    let encoded = keys.get(key);
    if (encoded === undefined) {
      const length = Buffer.byteLength(key);
      encoded = encodedOnce(lenSize(length), (writer) => {
        writer.byte(tag(1, LEN));
        writer.string(key, length);
      });
      if (keys.size < MAX_CACHED_KEYS) keys.set(key, encoded);
    }
    return encoded;
  };

  const recordSize = (record: EncodableLogRecord): number => {
    let size = 9; // time_unix_nano
    if (record.severityNumber !== 0) size += 1 + varintSize(record.severityNumber);
    if (record.severityText !== '') size += lenSize(Buffer.byteLength(record.severityText));
    if (record.body !== undefined) size += lenSize(anyValueSize(record.body));
    for (const key in record.attributes) {
      const value = record.attributes[key];
      if (value === undefined || value === null) continue;
      size += lenSize(keyBytes(key).byteLength + lenSize(anyValueSize(value)));
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
      const encodedKey = keyBytes(key);
      const valueSize = anyValueSize(value);
      writer.byte(tag(6, LEN));
      writer.varint(encodedKey.byteLength + lenSize(valueSize));
      writer.buffer.set(encodedKey, writer.pos);
      writer.pos += encodedKey.byteLength;
      writer.byte(tag(2, LEN));
      writer.varint(valueSize);
      writeAnyValue(writer, value);
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
