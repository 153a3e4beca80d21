import { isUtf8 } from 'node:buffer';
import { attributesIdentity, sortPairsByKey } from './otlp-values.ts';
import type { AttributeValue, DecodedPoint, DecodedRequest, DecodedResource, MetricKind } from './types.ts';

/**
 * ExportMetricsServiceRequest (protobuf) → rows, read straight from the bytes: the ingest hot path.
 * protobufjs would first build an object per data point, attribute, AnyValue and timestamp, then
 * `decodeMetricsRequest` would walk them again; at 1,000 points a request that garbage was the
 * largest single cost of ingest. Here a point costs one row object, and its attribute set is
 * looked up by its raw bytes in `AttributeSets`, so a series seen before decodes no string at all.
 *
 * It takes only what agents send: gauges and sums of finite values with scalar attributes, valid
 * UTF-8 throughout. Anything else (histograms, refused points, empty keys, nested values, odd
 * wire types, a repeated singular field) returns `undefined`, and the caller decodes the request
 * with protobufjs + `decodeMetricsRequest`, which refuses it by item or names the bad field. So
 * this reader never decides an error; where it answers, it answers exactly what that path would
 * (decode-metrics-wire.test.ts holds the two to the same output).
 */
export function decodeMetricsWire(
  body: Uint8Array,
  receivedAtMs: number,
  attributeSets: AttributeSets,
): DecodedRequest | undefined {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const reader = new WireReader(buf, receivedAtMs, attributeSets);
  try {
    const resources: DecodedResource[] = [];
    reader.fields(0, buf.length, (field, wireType, start, end) => {
      if (field !== 1) return;
      expectLength(wireType);
      resources.push(reader.resourceMetrics(start, end));
    });
    return { resources, rejectedItems: 0, rejectionMessages: [] };
  } catch (error) {
    if (error === NOT_FAST) return undefined;
    throw error;
  }
}

/**
 * Decoded point attribute sets by their wire bytes. Bounded: past `limit` entries it starts
 * over, so a stream of ever-new attribute sets (a cardinality bomb) costs decoding, not memory.
 */
export class AttributeSets {
  readonly limit: number;
  private readonly byBytes = new Map<string, InternedAttributes>();
  /**
   * The set last read at each point position of a request, with its bytes: an agent sends its
   * series in the same order every round, so the JSON reader first compares the bytes at hand
   * with this guess (one memcmp) before it builds a key string and hashes it. Never trusted
   * without that comparison.
   */
  private readonly byPosition: Array<PositionedAttributes | undefined> = [];
  constructor(limit = 20_000) {
    this.limit = limit;
  }
  get(bytes: string): InternedAttributes | undefined {
    return this.byBytes.get(bytes);
  }
  set(bytes: string, value: InternedAttributes): void {
    if (this.byBytes.size >= this.limit) this.byBytes.clear();
    this.byBytes.set(bytes, value);
  }
  guess(position: number): PositionedAttributes | undefined {
    return this.byPosition[position];
  }
  place(position: number, bytes: Buffer, value: InternedAttributes): void {
    if (position < this.limit) this.byPosition[position] = { bytes, value };
  }
  get size(): number {
    return this.byBytes.size;
  }
}

export interface PositionedAttributes {
  bytes: Buffer;
  value: InternedAttributes;
}

export interface InternedAttributes {
  pairs: ReadonlyArray<readonly [string, AttributeValue]>;
  key: string;
}

/** Thrown inside the reader when the request is not one it takes; never leaves this file. */
const NOT_FAST = Symbol('not-fast');
const MAX_METRIC_NAME_LENGTH = 255;
const MAX_LABEL_VALUE_LENGTH = 1024;
const SUM_MONOTONIC_CUMULATIVE = 2;
const TWO_TO_32 = 4294967296;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

function expectLength(wireType: number): void {
  if (wireType !== WIRE_LENGTH) throw NOT_FAST;
}
function expectFixed64(wireType: number): void {
  if (wireType !== WIRE_FIXED64) throw NOT_FAST;
}
function expectVarint(wireType: number): void {
  if (wireType !== WIRE_VARINT) throw NOT_FAST;
}

/**
 * Called for each field of a message: the value's range (for a length-delimited field, its
 * payload) and where the field began (its tag). A field it ignores is skipped by its wire type.
 */
type FieldHandler = (field: number, wireType: number, start: number, end: number, fieldStart: number) => void;

class WireReader {
  readonly buf: Buffer;
  readonly receivedAtMs: number;
  readonly attributeSets: AttributeSets;
  pos = 0;
  constructor(buf: Buffer, receivedAtMs: number, attributeSets: AttributeSets) {
    this.buf = buf;
    this.receivedAtMs = receivedAtMs;
    this.attributeSets = attributeSets;
  }

  /**
   * Walks the fields of one message in [start, end). For a length-delimited field the handler gets
   * its payload's range; for the others the range of the value, which it reads itself.
   */
  fields(start: number, end: number, handle: FieldHandler): void {
    this.pos = start;
    while (this.pos < end) {
      const fieldStart = this.pos;
      const tag = this.readTag(end);
      const wireType = tag & 7;
      let valueStart = this.pos;
      let valueEnd: number;
      switch (wireType) {
        case WIRE_VARINT:
          this.skipVarint(end);
          valueEnd = this.pos;
          break;
        case WIRE_FIXED64:
          valueEnd = valueStart + 8;
          break;
        case WIRE_LENGTH: {
          const length = this.varint32(end);
          valueStart = this.pos;
          valueEnd = valueStart + length;
          break;
        }
        case WIRE_FIXED32:
          valueEnd = valueStart + 4;
          break;
        default:
          throw NOT_FAST; // groups and reserved wire types
      }
      if (valueEnd > end) throw NOT_FAST;
      handle(tag >>> 3, wireType, valueStart, valueEnd, fieldStart);
      // Handlers may read nested messages with this same cursor; the walk goes on after the field.
      this.pos = valueEnd;
    }
  }

  /** The next field's tag; field number 0 is never valid protobuf. */
  readTag(end: number): number {
    const tag = this.varint32(end);
    if (tag >>> 3 === 0) throw NOT_FAST;
    return tag;
  }

  varint32(end: number): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= end) throw NOT_FAST;
      const byte = this.buf[this.pos++] as number;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (result > 0x7fffffff) throw NOT_FAST; // no length or tag this large fits a request
        return result;
      }
    }
    throw NOT_FAST;
  }

  skipVarint(end: number): void {
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw NOT_FAST;
      if ((this.buf[this.pos++] as number) < 0x80) return;
    }
    throw NOT_FAST;
  }

  /** A varint int64 as protobufjs reads it with Long off: two's complement, then the nearest double. */
  int64At(start: number, end: number): number {
    let lo = 0;
    let hi = 0;
    let pos = start;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw NOT_FAST;
      const byte = this.buf[pos++] as number;
      if (i < 4) lo |= (byte & 0x7f) << (i * 7);
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi |= (byte & 0x7f) >> 4;
      } else hi |= (byte & 0x7f) << (i * 7 - 32);
      if (byte < 0x80) return signedLongToNumber(lo >>> 0, hi >>> 0);
    }
    throw NOT_FAST;
  }

  varintAt(start: number, end: number): number {
    this.pos = start;
    return this.varint32(end);
  }

  string(start: number, end: number): string {
    const { buf } = this;
    for (let i = start; i < end; i++) {
      if ((buf[i] as number) >= 0x80) {
        if (!isUtf8(buf.subarray(start, end))) throw NOT_FAST;
        return buf.toString('utf8', start, end);
      }
    }
    return buf.toString('latin1', start, end);
  }

  resourceMetrics(start: number, end: number): DecodedResource {
    const resource: DecodedResource = { attributes: {}, points: [], events: [] };
    let seenResource = false;
    const scopes: Array<[number, number]> = [];
    this.fields(start, end, (field, wireType, valueStart, valueEnd) => {
      if (field === 1) {
        expectLength(wireType);
        if (seenResource) throw NOT_FAST;
        seenResource = true;
        resource.attributes = this.resourceAttributes(valueStart, valueEnd);
      } else if (field === 2) {
        expectLength(wireType);
        scopes.push([valueStart, valueEnd]);
      } else if (field === 3) {
        expectLength(wireType);
        this.string(valueStart, valueEnd);
      }
    });
    for (const [scopeStart, scopeEnd] of scopes) this.scopeMetrics(scopeStart, scopeEnd, resource.points);
    return resource;
  }

  resourceAttributes(start: number, end: number): Record<string, AttributeValue> {
    const attributes: Record<string, AttributeValue> = {};
    this.fields(start, end, (field, wireType, valueStart, valueEnd) => {
      if (field !== 1) return;
      expectLength(wireType);
      const pair = this.keyValue(valueStart, valueEnd);
      if (pair !== undefined) attributes[pair[0]] = pair[1];
    });
    return attributes;
  }

  scopeMetrics(start: number, end: number, points: DecodedPoint[]): void {
    const metrics: Array<[number, number]> = [];
    this.fields(start, end, (field, wireType, valueStart, valueEnd) => {
      if (field === 1) {
        expectLength(wireType);
        this.scope(valueStart, valueEnd);
      } else if (field === 2) {
        expectLength(wireType);
        metrics.push([valueStart, valueEnd]);
      } else if (field === 3) {
        expectLength(wireType);
        this.string(valueStart, valueEnd);
      }
    });
    for (const [metricStart, metricEnd] of metrics) this.metric(metricStart, metricEnd, points);
  }

  /** Not stored, but checked as protobufjs would: its name and version must be valid strings. */
  scope(start: number, end: number): void {
    this.fields(start, end, (field, wireType, valueStart, valueEnd) => {
      if (field === 1 || field === 2) {
        expectLength(wireType);
        this.string(valueStart, valueEnd);
      } else if (field === 3) {
        throw NOT_FAST; // scope attributes: rare; let the full decoder check them
      }
    });
  }

  metric(start: number, end: number, points: DecodedPoint[]): void {
    let name = '';
    let unit = '';
    let dataField = 0;
    let dataStart = 0;
    let dataEnd = 0;
    this.fields(start, end, (field, wireType, valueStart, valueEnd) => {
      switch (field) {
        case 1:
          expectLength(wireType);
          name = this.string(valueStart, valueEnd);
          return;
        case 2:
          expectLength(wireType);
          this.string(valueStart, valueEnd);
          return;
        case 3:
          expectLength(wireType);
          unit = this.string(valueStart, valueEnd);
          return;
        case 5:
        case 7:
          expectLength(wireType);
          if (dataField !== 0) throw NOT_FAST;
          dataField = field;
          dataStart = valueStart;
          dataEnd = valueEnd;
          return;
        case 9:
        case 10:
        case 11:
          throw NOT_FAST; // histograms and summaries: refused item by item by the full decoder
        default:
          return;
      }
    });
    if (name === '' || name.length > MAX_METRIC_NAME_LENGTH) throw NOT_FAST;
    if (dataField === 0) return; // no data: valid OTLP with nothing to store
    const dataPoints: Array<[number, number]> = [];
    let temporality = 0;
    let monotonic = false;
    this.fields(dataStart, dataEnd, (field, wireType, valueStart, valueEnd) => {
      if (field === 1) {
        expectLength(wireType);
        dataPoints.push([valueStart, valueEnd]);
      } else if (dataField === 7 && field === 2) {
        expectVarint(wireType);
        temporality = this.varintAt(valueStart, valueEnd) | 0;
      } else if (dataField === 7 && field === 3) {
        expectVarint(wireType);
        monotonic = this.varintAt(valueStart, valueEnd) !== 0;
      }
    });
    const kind: MetricKind =
      dataField === 5 ? 'gauge' : monotonic && temporality === SUM_MONOTONIC_CUMULATIVE ? 'counter' : 'sum';
    for (const [pointStart, pointEnd] of dataPoints) {
      points.push(this.numberDataPoint(pointStart, pointEnd, name, unit, kind));
    }
  }

  /**
   * One NumberDataPoint. It runs once per point, so its field loop is written out here rather
   * than going through `fields` with a handler closure.
   */
  numberDataPoint(start: number, end: number, metric: string, unit: string, kind: MetricKind): DecodedPoint {
    const { buf } = this;
    let value = Number.NaN;
    let valueFields = 0;
    let timeNanos = 0;
    // The attribute fields, usually one contiguous run (tags and lengths included): the lookup key.
    let attributesStart = -1;
    let attributesEnd = -1;
    let scattered: string[] | undefined;
    this.pos = start;
    while (this.pos < end) {
      const fieldStart = this.pos;
      const tag = this.readTag(end);
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 7) {
        expectLength(wireType);
        const length = this.varint32(end);
        const valueEnd = this.pos + length;
        if (valueEnd > end) throw NOT_FAST;
        if (attributesStart === -1) {
          attributesStart = fieldStart;
        } else if (attributesEnd !== fieldStart) {
          // Other fields between attributes: key on the runs, joined by a character latin1 never yields.
          if (scattered === undefined) scattered = [];
          scattered.push(buf.toString('latin1', attributesStart, attributesEnd));
          attributesStart = fieldStart;
        }
        attributesEnd = valueEnd;
        this.pos = valueEnd;
        continue;
      }
      if (field === 2 || field === 3 || field === 4 || field === 6) {
        expectFixed64(wireType);
        const at = this.pos;
        if (at + 8 > end) throw NOT_FAST;
        if (field === 3) {
          timeNanos = (buf.readUInt32LE(at) as number) + (buf.readUInt32LE(at + 4) as number) * TWO_TO_32;
        } else if (field === 4) {
          value = buf.readDoubleLE(at);
          valueFields |= 1;
        } else if (field === 6) {
          value = signedLongToNumber(buf.readUInt32LE(at), buf.readUInt32LE(at + 4));
          valueFields |= 2;
        }
        this.pos = at + 8;
        continue;
      }
      if (field === 8) expectVarint(wireType);
      this.skip(wireType, end);
    }
    // Both members of the oneof, or neither, or a value that is not finite: the full decoder's call.
    if (valueFields === 3 || !Number.isFinite(value)) throw NOT_FAST;
    let attributes = EMPTY_ATTRIBUTES;
    if (attributesStart !== -1) {
      const run = buf.toString('latin1', attributesStart, attributesEnd);
      const bytes = scattered === undefined ? run : `${scattered.join('\u0100')}\u0100${run}`;
      attributes = this.attributeSets.get(bytes) ?? this.decodeAttributeSet(bytes, start, end);
    }
    return {
      metric,
      unit,
      kind,
      attributes: attributes.pairs,
      attributesKey: attributes.key,
      // As nanosToMs reads protobufjs's double: to whole microseconds first, then milliseconds.
      timeMs: timeNanos === 0 ? this.receivedAtMs : Math.floor(Math.round(timeNanos / 1e3) / 1e3),
      value,
    };
  }

  /** Skips one field's value by its wire type (the tag already read). */
  skip(wireType: number, end: number): void {
    if (wireType === WIRE_VARINT) this.skipVarint(end);
    else if (wireType === WIRE_FIXED64) this.pos += 8;
    else if (wireType === WIRE_LENGTH) {
      const length = this.varint32(end);
      this.pos += length;
    } else if (wireType === WIRE_FIXED32) this.pos += 4;
    else throw NOT_FAST;
    if (this.pos > end) throw NOT_FAST;
  }

  /** A point's attribute set not seen before: its KeyValues (field 7 of the point) decoded, sorted, kept. */
  decodeAttributeSet(bytes: string, pointStart: number, pointEnd: number): InternedAttributes {
    const pairs: Array<readonly [string, AttributeValue]> = [];
    this.fields(pointStart, pointEnd, (field, wireType, valueStart, valueEnd) => {
      if (field !== 7) return;
      expectLength(wireType);
      const pair = this.keyValue(valueStart, valueEnd);
      if (pair === undefined) return;
      if (typeof pair[1] === 'string' && pair[1].length > MAX_LABEL_VALUE_LENGTH) throw NOT_FAST;
      pairs.push(pair);
    });
    const sorted = sortPairsByKey(pairs);
    const interned = { pairs: sorted, key: attributesIdentity(sorted) };
    this.attributeSets.set(bytes, interned);
    return interned;
  }

  /** KeyValue → [key, scalar], or undefined when it carries no value (skipped, as the full decoder does). */
  keyValue(start: number, end: number): readonly [string, AttributeValue] | undefined {
    let key = '';
    let value: AttributeValue | undefined;
    this.fields(start, end, (field, wireType, valueStart, valueEnd) => {
      if (field === 1) {
        expectLength(wireType);
        key = this.string(valueStart, valueEnd);
      } else if (field === 2) {
        expectLength(wireType);
        value = this.anyValue(valueStart, valueEnd);
      }
    });
    if (key === '') throw NOT_FAST;
    return value === undefined ? undefined : [key, value];
  }

  /**
   * AnyValue's scalar members. Two different members set is protobufjs's oneof getter's call
   * (it picks by declaration order, not wire order), so that goes to the full decoder.
   */
  anyValue(start: number, end: number): AttributeValue | undefined {
    let value: AttributeValue | undefined;
    let member = 0;
    this.fields(start, end, (field, wireType, valueStart, valueEnd) => {
      if (field >= 5 && field <= 7) throw NOT_FAST; // arrays, maps, bytes: JSON text in the full decoder
      if (field < 1 || field > 4) return;
      if (member !== 0 && member !== field) throw NOT_FAST;
      member = field;
      if (field === 1) {
        expectLength(wireType);
        value = this.string(valueStart, valueEnd);
      } else if (field === 2) {
        expectVarint(wireType);
        value = this.varintAt(valueStart, valueEnd) !== 0;
      } else if (field === 3) {
        expectVarint(wireType);
        value = this.int64At(valueStart, valueEnd);
      } else {
        expectFixed64(wireType);
        value = this.buf.readDoubleLE(valueStart);
      }
    });
    return value;
  }
}

const EMPTY_ATTRIBUTES: InternedAttributes = { pairs: [], key: '' };

/** A signed 64-bit value as two unsigned halves → the nearest double, as protobufjs reads it with Long off. */
function signedLongToNumber(lo: number, hi: number): number {
  if (hi >>> 31) {
    const negLo = (~lo + 1) >>> 0;
    const negHi = negLo === 0 ? (~hi + 1) >>> 0 : ~hi >>> 0;
    return -(negLo + negHi * TWO_TO_32);
  }
  return lo + hi * TWO_TO_32;
}
