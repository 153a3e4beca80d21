import protobuf from 'protobufjs';
import { otlpDescriptor } from './otlp-descriptor.ts';

/**
 * OTLP metrics and logs with every field an archive needs (the shared descriptor,
 * otlp-descriptor.ts, in its `archive` field set), for transcoding between protobuf and
 * OTLP/JSON. 64-bit integers go through `ExactReader`/`ExactWriter` as decimal strings, so
 * nanosecond timestamps and counts survive the trip exactly (protobufjs is configured without Long,
 * which would otherwise round them to doubles).
 */
const root = protobuf.Root.fromJSON(otlpDescriptor('otlpfull', 'archive'));

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
