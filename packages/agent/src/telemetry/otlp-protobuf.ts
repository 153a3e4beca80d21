/**
 * The protobuf pieces the agent's OTLP encoders share (otlp-logs-encoder.ts, otlp-metrics-encoder.ts):
 * a writer over one Buffer sized in advance, and AnyValue/KeyValue/Resource/InstrumentationScope
 * written exactly as @opentelemetry/otlp-transformer's serializers write them (field order, which
 * empty fields are still written, 64-bit two's complement for negative ints), so the agent's bytes
 * are the SDK's bytes (the encoders' tests compare them). Strings are measured and written by
 * Buffer's native UTF-8 code: without TurboFan (the agent runs --no-opt) the SDK's JavaScript
 * character loops were the largest part of encoding.
 */
export const LEN = 2;
export const VARINT = 0;
export const I64 = 1;
export const tag = (field: number, wire: number) => (field << 3) | wire;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

export function varintSize(value: number): number {
  if (value < 0) return 10;
  let size = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 128);
    size += 1;
  }
  return size;
}

export const lenSize = (length: number) => 1 + varintSize(length) + length;

function isInt64(value: number): boolean {
  return Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64;
}

export class Writer {
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
export function anyValueSize(value: unknown): number {
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

export function writeAnyValue(writer: Writer, value: unknown): void {
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

export function keyValueSize(key: string, value: unknown): number {
  return lenSize(Buffer.byteLength(key)) + lenSize(anyValueSize(value));
}

export function writeKeyValue(writer: Writer, key: string, value: unknown): void {
  writer.byte(tag(1, LEN));
  writer.string(key, Buffer.byteLength(key));
  writer.byte(tag(2, LEN));
  writer.varint(anyValueSize(value));
  writeAnyValue(writer, value);
}

/** A whole message, encoded once: the resource and the scope never change in an agent's life. */
export function encodedOnce(size: number, write: (writer: Writer) => void): Buffer {
  const writer = new Writer(size);
  write(writer);
  return writer.buffer.subarray(0, writer.pos);
}

/** Attribute names are a closed set (names.ts); a kvlist body's keys may not be, hence the cap. */
const MAX_CACHED_KEYS = 512;

/** KeyValue field 1 (tag, length, UTF-8) per attribute name, encoded on first use and kept. */
export function createKeyCache(): (key: string) => Buffer {
  const keys = new Map<string, Buffer>();
  return (key) => {
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
}

/** One attribute as a repeated KeyValue field: its size with tag and length. */
export function attributeSize(keyBytes: Buffer, value: unknown): number {
  return lenSize(keyBytes.byteLength + lenSize(anyValueSize(value)));
}

export function writeAttribute(writer: Writer, field: number, keyBytes: Buffer, value: unknown): void {
  writer.byte(tag(field, LEN));
  writer.varint(keyBytes.byteLength + lenSize(anyValueSize(value)));
  writer.buffer.set(keyBytes, writer.pos);
  writer.pos += keyBytes.byteLength;
  writer.byte(tag(2, LEN));
  writer.varint(anyValueSize(value));
  writeAnyValue(writer, value);
}

/** Field 1 of ResourceLogs/ResourceMetrics: the Resource, its tag and length (dropped count 0 written). */
export function encodeResource(attributes: Readonly<Record<string, unknown>>): Buffer {
  const entries = Object.entries(attributes);
  let inner = 2;
  for (const [key, value] of entries) inner += lenSize(keyValueSize(key, value));
  return encodedOnce(lenSize(inner), (writer) => {
    writer.byte(tag(1, LEN));
    writer.varint(inner);
    for (const [key, value] of entries) {
      writer.byte(tag(1, LEN));
      writer.varint(keyValueSize(key, value));
      writeKeyValue(writer, key, value);
    }
    writer.byte(tag(2, VARINT));
    writer.byte(0);
  });
}

/** Field 1 of ScopeLogs/ScopeMetrics: the InstrumentationScope (name, version when set). */
export function encodeScope(name: string, version: string): Buffer {
  const nameBytes = Buffer.byteLength(name);
  const versionBytes = Buffer.byteLength(version);
  const inner = lenSize(nameBytes) + (versionBytes > 0 ? lenSize(versionBytes) : 0);
  return encodedOnce(lenSize(inner), (writer) => {
    writer.byte(tag(1, LEN));
    writer.varint(inner);
    writer.byte(tag(1, LEN));
    writer.string(name, nameBytes);
    if (versionBytes > 0) {
      writer.byte(tag(2, LEN));
      writer.string(version, versionBytes);
    }
  });
}
