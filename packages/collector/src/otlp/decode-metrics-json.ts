import { isUtf8 } from 'node:buffer';
import type { AttributeSets, InternedAttributes } from './decode-metrics-wire.ts';
import { attributesIdentity, sortPairsByKey } from './otlp-values.ts';
import type { AttributeValue, DecodedPoint, DecodedRequest, DecodedResource, MetricKind } from './types.ts';

/**
 * ExportMetricsServiceRequest as OTLP/JSON → rows, read straight from the bytes, as
 * decode-metrics-wire.ts does for protobuf. The general path decodes the body to a string, lets
 * JSON.parse build an object per point, attribute and value, and then walks them again; at 1,000
 * points a request that was most of JSON ingest's cost. Here a point costs one row object: its
 * attributes array is looked up by its raw bytes in `AttributeSets`, so a series seen before
 * decodes no string, and numbers are read from their digits.
 *
 * It takes only what agents and SDKs send: lowerCamelCase keys, each once, without escapes;
 * gauges and sums of finite values with scalar attributes; no `null`s; strings without escapes.
 * Anything else returns `undefined` and the caller takes JSON.parse + `decodeMetricsRequest`,
 * which decodes it or refuses it naming the field. So this reader never decides an error; where
 * it answers, it answers exactly what that path would (decode-metrics-json.test.ts holds the two
 * to the same output). Unknown fields are skipped, as OTLP/JSON receivers must, after checking
 * they are well-formed JSON: the general path would refuse a body that is not.
 */
export function decodeMetricsJson(
  body: Uint8Array,
  receivedAtMs: number,
  attributeSets: AttributeSets,
): DecodedRequest | undefined {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // Invalid UTF-8 is the general path's 400; valid, every string below decodes as JSON.parse's would.
  if (!isUtf8(buf)) return undefined;
  try {
    return new JsonMetricsReader(buf, receivedAtMs, attributeSets).request();
  } catch (error) {
    if (error === NOT_FAST) return undefined;
    throw error;
  }
}

/** Thrown inside the reader when the request is not one it takes; never leaves this file. */
const NOT_FAST = Symbol('not-fast');
const MAX_METRIC_NAME_LENGTH = 255;
const MAX_LABEL_VALUE_LENGTH = 1024;
const SUM_MONOTONIC_CUMULATIVE = 2;
const MAX_SKIP_DEPTH = 64;
const TWO_TO_53 = 2 ** 53;
/** 10^0 … 10^22: every one exact as a double, so digits / 10^k below is correctly rounded. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** The keys the reader acts on, as bytes (a key with an escape never matches: NOT_FAST). */
const KEYS = {
  resourceMetrics: 'resourceMetrics',
  resource: 'resource',
  scopeMetrics: 'scopeMetrics',
  attributes: 'attributes',
  metrics: 'metrics',
  name: 'name',
  unit: 'unit',
  data: 'data',
  gauge: 'gauge',
  sum: 'sum',
  histogram: 'histogram',
  exponentialHistogram: 'exponentialHistogram',
  summary: 'summary',
  dataPoints: 'dataPoints',
  aggregationTemporality: 'aggregationTemporality',
  isMonotonic: 'isMonotonic',
  timeUnixNano: 'timeUnixNano',
  asDouble: 'asDouble',
  asInt: 'asInt',
  value: 'value',
  key: 'key',
  stringValue: 'stringValue',
  boolValue: 'boolValue',
  intValue: 'intValue',
  doubleValue: 'doubleValue',
} as const;
type Key = keyof typeof KEYS;
const KEY_BYTES = Object.fromEntries(Object.entries(KEYS).map(([k, v]) => [k, Buffer.from(v, 'latin1')])) as {
  [K in Key]: Buffer;
};

const EMPTY_ATTRIBUTES: InternedAttributes = {
  pairs: [],
  key: '',
};

class JsonMetricsReader {
  pos = 0;
  private readonly buf: Buffer;
  private readonly receivedAtMs: number;
  private readonly attributeSets: AttributeSets;
  /** Start and end of the key just read by `key()`. */
  private keyStart = 0;
  private keyEnd = 0;
  /** Data points read so far in this request: the position `AttributeSets.guess` is keyed on. */
  private pointIndex = 0;

  constructor(buf: Buffer, receivedAtMs: number, attributeSets: AttributeSets) {
    this.buf = buf;
    this.receivedAtMs = receivedAtMs;
    this.attributeSets = attributeSets;
  }

  request(): DecodedRequest {
    const resources: DecodedResource[] = [];
    let seen = false;
    for (let more = this.enterObject(); more; more = this.nextMember()) {
      this.key();
      if (this.keyIs('resourceMetrics')) {
        seen = once(seen);
        for (let item = this.enterArray(); item; item = this.nextItem())
          resources.push(this.resourceMetrics());
      } else this.skipValue(0);
    }
    this.whitespace();
    if (this.pos !== this.buf.length) throw NOT_FAST;
    return { resources, rejectedItems: 0, rejectionMessages: [] };
  }

  private resourceMetrics(): DecodedResource {
    const resource: DecodedResource = { attributes: {}, points: [], events: [] };
    let seenResource = false;
    let seenScopes = false;
    for (let more = this.enterObject(); more; more = this.nextMember()) {
      this.key();
      if (this.keyIs('resource')) {
        seenResource = once(seenResource);
        let seenAttributes = false;
        for (let field = this.enterObject(); field; field = this.nextMember()) {
          this.key();
          if (this.keyIs('attributes')) {
            seenAttributes = once(seenAttributes);
            resource.attributes = this.resourceAttributes();
          } else this.skipValue(0);
        }
      } else if (this.keyIs('scopeMetrics')) {
        seenScopes = once(seenScopes);
        for (let scope = this.enterArray(); scope; scope = this.nextItem())
          this.scopeMetrics(resource.points);
      } else this.skipValue(0);
    }
    return resource;
  }

  private scopeMetrics(points: DecodedPoint[]): void {
    let seenMetrics = false;
    for (let more = this.enterObject(); more; more = this.nextMember()) {
      this.key();
      if (this.keyIs('metrics')) {
        seenMetrics = once(seenMetrics);
        for (let metric = this.enterArray(); metric; metric = this.nextItem()) this.metric(points);
      } else this.skipValue(0);
    }
  }

  /** A metric's points are pushed as read; its name, unit and kind may come after them, so they are set last. */
  private metric(points: DecodedPoint[]): void {
    const first = points.length;
    let name: string | undefined;
    let unit: string | undefined;
    let data: 'gauge' | 'sum' | undefined;
    let temporality: number | undefined;
    let monotonic: boolean | undefined;
    for (let more = this.enterObject(); more; more = this.nextMember()) {
      this.key();
      if (this.keyIs('name')) {
        if (name !== undefined) throw NOT_FAST;
        name = this.string();
      } else if (this.keyIs('unit')) {
        if (unit !== undefined) throw NOT_FAST;
        unit = this.string();
      } else if (this.keyIs('gauge') || this.keyIs('sum')) {
        if (data !== undefined) throw NOT_FAST; // both members of the oneof: the general path picks
        data = this.keyIs('gauge') ? 'gauge' : 'sum';
        let seenPoints = false;
        for (let field = this.enterObject(); field; field = this.nextMember()) {
          this.key();
          if (this.keyIs('dataPoints')) {
            seenPoints = once(seenPoints);
            for (let point = this.enterArray(); point; point = this.nextItem()) points.push(this.dataPoint());
          } else if (data === 'sum' && this.keyIs('aggregationTemporality')) {
            if (temporality !== undefined) throw NOT_FAST;
            temporality = this.integer();
          } else if (data === 'sum' && this.keyIs('isMonotonic')) {
            if (monotonic !== undefined) throw NOT_FAST;
            monotonic = this.boolean();
          } else this.skipValue(0);
        }
      } else if (
        this.keyIs('histogram') ||
        this.keyIs('exponentialHistogram') ||
        this.keyIs('summary') ||
        this.keyIs('data')
      ) {
        throw NOT_FAST; // refused item by item (or a oneof's name) on the general path
      } else this.skipValue(0);
    }
    if (name === undefined || name === '' || name.length > MAX_METRIC_NAME_LENGTH) throw NOT_FAST;
    const kind: MetricKind =
      data === 'sum' && monotonic === true && temporality === SUM_MONOTONIC_CUMULATIVE
        ? 'counter'
        : (data ?? 'gauge');
    for (let index = first; index < points.length; index++) {
      const point = points[index] as DecodedPoint;
      point.metric = name;
      point.unit = unit ?? '';
      point.kind = kind;
    }
  }

  /** One NumberDataPoint: the hot loop, one row object and no other allocation for a known series. */
  private dataPoint(): DecodedPoint {
    let value = Number.NaN;
    let valueMembers = 0;
    let timeMs: number | null | undefined;
    let attributes: InternedAttributes | undefined;
    for (let more = this.enterObject(); more; more = this.nextMember()) {
      this.key();
      if (this.keyIs('attributes')) {
        if (attributes !== undefined) throw NOT_FAST;
        attributes = this.pointAttributes();
      } else if (this.keyIs('timeUnixNano')) {
        if (timeMs !== undefined) throw NOT_FAST;
        timeMs = this.nanosToMs();
      } else if (this.keyIs('asDouble') || this.keyIs('asInt')) {
        valueMembers++;
        value = this.numeric();
      } else if (this.keyIs('value')) {
        throw NOT_FAST; // the oneof's name as a field: the general path's reading
      } else this.skipValue(0);
    }
    this.pointIndex++;
    if (valueMembers !== 1 || !Number.isFinite(value)) throw NOT_FAST;
    const set = attributes ?? EMPTY_ATTRIBUTES;
    return {
      metric: '',
      unit: '',
      kind: 'gauge',
      attributes: set.pairs,
      attributesKey: set.key,
      timeMs: timeMs ?? this.receivedAtMs,
      value,
    };
  }

  /**
   * A point's attributes array: the set read at this position last time if the bytes are the
   * same, else the set with these bytes, else decoded now and kept.
   */
  private pointAttributes(): InternedAttributes {
    const { buf, attributeSets } = this;
    const start = this.pos;
    const guess = attributeSets.guess(this.pointIndex);
    if (guess !== undefined) {
      const end = start + guess.bytes.length;
      if (end <= buf.length && buf.compare(guess.bytes, 0, guess.bytes.length, start, end) === 0) {
        this.pos = end;
        return guess.value;
      }
    }
    const end = this.matchingEnd(start);
    const bytes = buf.toString('latin1', start, end);
    let set = attributeSets.get(bytes);
    if (set === undefined) {
      set = this.decodeAttributeSet(end);
      attributeSets.set(bytes, set);
    }
    this.pos = end;
    attributeSets.place(this.pointIndex, Buffer.from(buf.subarray(start, end)), set);
    return set;
  }

  private decodeAttributeSet(end: number): InternedAttributes {
    const pairs: Array<readonly [string, AttributeValue]> = [];
    for (let more = this.enterArray(); more; more = this.nextItem()) {
      const [key, value] = this.keyValue();
      if (typeof value === 'string' && value.length > MAX_LABEL_VALUE_LENGTH) throw NOT_FAST;
      pairs.push([key, value]);
    }
    if (this.pos !== end) throw NOT_FAST;
    const sorted = sortPairsByKey(pairs);
    return { pairs: sorted, key: attributesIdentity(sorted) };
  }

  private resourceAttributes(): Record<string, AttributeValue> {
    const record: Record<string, AttributeValue> = {};
    for (let more = this.enterArray(); more; more = this.nextItem()) {
      const [key, value] = this.keyValue();
      if (key === '__proto__') throw NOT_FAST;
      record[key] = value;
    }
    return record;
  }

  /** A KeyValue with a key and a scalar AnyValue; anything the general path reads otherwise is NOT_FAST. */
  private keyValue(): [string, AttributeValue] {
    let key: string | undefined;
    let value: AttributeValue | undefined;
    for (let more = this.enterObject(); more; more = this.nextMember()) {
      this.key();
      if (this.keyIs('key')) {
        if (key !== undefined) throw NOT_FAST;
        key = this.string();
      } else if (this.keyIs('value')) {
        if (value !== undefined) throw NOT_FAST;
        value = this.anyValue();
      } else this.skipValue(0);
    }
    if (key === undefined || key === '' || value === undefined) throw NOT_FAST;
    return [key, value];
  }

  private anyValue(): AttributeValue {
    let value: AttributeValue | undefined;
    for (let more = this.enterObject(); more; more = this.nextMember()) {
      this.key();
      if (value !== undefined) throw NOT_FAST;
      if (this.keyIs('stringValue')) value = this.string();
      else if (this.keyIs('boolValue')) value = this.boolean();
      else if (this.keyIs('intValue') || this.keyIs('doubleValue')) {
        value = this.numeric();
        if (!Number.isFinite(value)) throw NOT_FAST;
      } else throw NOT_FAST; // bytes, arrays, maps, unknown members: the general path's reading
    }
    if (value === undefined) throw NOT_FAST;
    return value;
  }

  // ---- JSON ----------------------------------------------------------------------------------

  /** Past `{` and whitespace: true with pos at the first key, or false past an empty object's `}`. */
  private enterObject(): boolean {
    this.whitespace();
    if (this.buf[this.pos] !== OPEN_OBJECT) throw NOT_FAST;
    this.pos++;
    this.whitespace();
    if (this.buf[this.pos] !== CLOSE_OBJECT) return true;
    this.pos++;
    return false;
  }

  /** After a member's value: true past `,` with pos at the next key, or false past `}`. */
  private nextMember(): boolean {
    this.whitespace();
    const next = this.buf[this.pos];
    this.pos++;
    if (next === CLOSE_OBJECT) return false;
    if (next !== COMMA) throw NOT_FAST;
    this.whitespace();
    return true;
  }

  /** Past `[` and whitespace: true with pos at the first item, or false past an empty array's `]`. */
  private enterArray(): boolean {
    this.whitespace();
    if (this.buf[this.pos] !== OPEN_ARRAY) throw NOT_FAST;
    this.pos++;
    this.whitespace();
    if (this.buf[this.pos] !== CLOSE_ARRAY) return true;
    this.pos++;
    return false;
  }

  /** After an item: true past `,` and whitespace, or false past `]`. */
  private nextItem(): boolean {
    this.whitespace();
    const next = this.buf[this.pos];
    this.pos++;
    if (next === CLOSE_ARRAY) return false;
    if (next !== COMMA) throw NOT_FAST;
    this.whitespace();
    return true;
  }

  /** Reads `"key" :` (no escapes) into keyStart..keyEnd and leaves pos at the value. */
  private key(): void {
    const { buf } = this;
    if (buf[this.pos] !== QUOTE) throw NOT_FAST;
    const start = this.pos + 1;
    let at = start;
    for (;;) {
      const byte = buf[at];
      if (byte === undefined || byte === BACKSLASH || byte < 0x20) throw NOT_FAST;
      if (byte === QUOTE) break;
      at++;
    }
    this.keyStart = start;
    this.keyEnd = at;
    this.pos = at + 1;
    this.whitespace();
    if (buf[this.pos] !== COLON) throw NOT_FAST;
    this.pos++;
    this.whitespace();
  }

  private keyIs(name: Key): boolean {
    const expected = KEY_BYTES[name];
    const length = this.keyEnd - this.keyStart;
    if (length !== expected.length) return false;
    const { buf, keyStart } = this;
    for (let index = 0; index < length; index++) {
      if (buf[keyStart + index] !== expected[index]) return false;
    }
    return true;
  }

  private whitespace(): void {
    const { buf } = this;
    for (;;) {
      const byte = buf[this.pos];
      if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return;
      this.pos++;
    }
  }

  /** A string without escapes, decoded as JSON.parse would (the body is valid UTF-8). */
  private string(): string {
    const { buf } = this;
    if (buf[this.pos] !== QUOTE) throw NOT_FAST;
    const start = this.pos + 1;
    let at = start;
    let ascii = true;
    for (;;) {
      const byte = buf[at];
      if (byte === undefined || byte === BACKSLASH || byte < 0x20) throw NOT_FAST;
      if (byte === QUOTE) break;
      if (byte >= 0x80) ascii = false;
      at++;
    }
    this.pos = at + 1;
    return ascii ? buf.toString('latin1', start, at) : buf.toString('utf8', start, at);
  }

  private boolean(): boolean {
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    throw NOT_FAST;
  }

  private literal(word: 'true' | 'false' | 'null'): boolean {
    const { buf } = this;
    for (let index = 0; index < word.length; index++) {
      if (buf[this.pos + index] !== word.charCodeAt(index)) return false;
    }
    this.pos += word.length;
    return true;
  }

  /**
   * A number as `toNumber` reads it: a JSON number, or a string of the decimal form OTLP/JSON
   * writes int64s in. "NaN" and the infinities are NOT_FAST (non-finite: refused on that path).
   */
  private numeric(): number {
    if (this.buf[this.pos] !== QUOTE) return this.number();
    this.pos++;
    const start = this.pos;
    const value = this.decimal(false);
    if (this.buf[this.pos] !== QUOTE || this.pos === start) throw NOT_FAST;
    this.pos++;
    return value;
  }

  /** A JSON number literal. */
  private number(): number {
    return this.decimal(true);
  }

  /** An integer JSON number (aggregationTemporality). */
  private integer(): number {
    const value = this.number();
    if (!Number.isInteger(value)) throw NOT_FAST;
    return value;
  }

  /**
   * Decimal digits with an optional sign, fraction and exponent. `json`: JSON's grammar (no
   * leading zeros, `1.` and `.5` refused); otherwise toNumber's regular expression
   * (-?\d+(\.\d+)?([eE][-+]?\d+)?). Digits below 2^53 without an exponent are read exactly
   * here; anything else goes through Number().
   */
  private decimal(json: boolean): number {
    const { buf } = this;
    const start = this.pos;
    let at = start;
    const negative = buf[at] === MINUS;
    if (negative) at++;
    const intStart = at;
    let mantissa = 0;
    while (isDigit(buf[at])) {
      mantissa = mantissa * 10 + ((buf[at] as number) - ZERO);
      at++;
    }
    const intDigits = at - intStart;
    if (intDigits === 0) throw NOT_FAST;
    if (json && intDigits > 1 && buf[intStart] === ZERO) throw NOT_FAST;
    let fraction = 0;
    if (buf[at] === DOT) {
      at++;
      const fractionStart = at;
      while (isDigit(buf[at])) {
        mantissa = mantissa * 10 + ((buf[at] as number) - ZERO);
        at++;
      }
      fraction = at - fractionStart;
      if (fraction === 0) throw NOT_FAST;
    }
    let exponent = false;
    if (buf[at] === 0x65 || buf[at] === 0x45) {
      exponent = true;
      at++;
      if (buf[at] === MINUS || buf[at] === PLUS) at++;
      const exponentStart = at;
      while (isDigit(buf[at])) at++;
      if (at === exponentStart) throw NOT_FAST;
    }
    this.pos = at;
    // Clinger's fast path: an integer below 2^53 was accumulated exactly, and one IEEE division by an
    // exact power of ten is correctly rounded. (Past 2^53 the sum is inexact, but never below 2^53.)
    if (!exponent && mantissa < TWO_TO_53 && fraction <= 22) {
      const magnitude = fraction === 0 ? mantissa : mantissa / (POWERS_OF_TEN[fraction] as number);
      return negative ? -magnitude : magnitude;
    }
    return Number(buf.toString('latin1', start, at));
  }

  /**
   * `timeUnixNano` as nanosToMs reads it: a decimal string (its sub-millisecond digits dropped as
   * text, so exact), or a JSON number (to whole microseconds first). 0 and "" and "0" are unset.
   */
  private nanosToMs(): number | null {
    const { buf } = this;
    if (buf[this.pos] !== QUOTE) {
      const nanos = this.number();
      if (nanos === 0) return null;
      if (!Number.isFinite(nanos) || nanos < 0) throw NOT_FAST;
      return Math.floor(Math.round(nanos / 1e3) / 1e3);
    }
    const start = this.pos + 1;
    let at = start;
    while (isDigit(buf[at])) at++;
    if (buf[at] !== QUOTE) throw NOT_FAST;
    const length = at - start;
    this.pos = at + 1;
    if (length > 20) throw NOT_FAST;
    if (length === 0 || (length === 1 && buf[start] === ZERO)) return null;
    let ms = 0;
    for (let index = start; index < at - 6; index++) ms = ms * 10 + ((buf[index] as number) - ZERO);
    return ms;
  }

  /**
   * Where the array or object starting at `start` ends, by brackets outside strings. Not a check:
   * only used to find the bytes of an attribute set, which are parsed in full unless the very
   * same bytes parsed before.
   */
  private matchingEnd(start: number): number {
    const { buf } = this;
    let depth = 0;
    let at = start;
    const length = buf.length;
    while (at < length) {
      const byte = buf[at] as number;
      if (byte === QUOTE) {
        at++;
        while (at < length && buf[at] !== QUOTE) at += buf[at] === BACKSLASH ? 2 : 1;
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        depth++;
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        depth--;
        if (depth === 0) return at + 1;
      }
      at++;
    }
    throw NOT_FAST;
  }

  /** Skips any JSON value, checking it is well-formed (JSON.parse would refuse the body otherwise). */
  private skipValue(depth: number): void {
    if (depth > MAX_SKIP_DEPTH) throw NOT_FAST;
    this.whitespace();
    const byte = this.buf[this.pos];
    if (byte === OPEN_OBJECT) {
      for (let more = this.enterObject(); more; more = this.nextMember()) {
        this.key();
        this.skipValue(depth + 1);
      }
    } else if (byte === OPEN_ARRAY) {
      for (let more = this.enterArray(); more; more = this.nextItem()) this.skipValue(depth + 1);
    } else if (byte === QUOTE) {
      this.skipString();
    } else if (byte === MINUS || isDigit(byte)) {
      this.number();
    } else if (!this.literal('true') && !this.literal('false') && !this.literal('null')) {
      throw NOT_FAST;
    }
  }

  /** A string with any escapes JSON allows, checked and skipped. */
  private skipString(): void {
    const { buf } = this;
    let at = this.pos + 1;
    for (;;) {
      const byte = buf[at];
      if (byte === undefined || byte < 0x20) throw NOT_FAST;
      if (byte === QUOTE) break;
      if (byte === BACKSLASH) {
        const escaped = buf[at + 1];
        if (escaped === 0x75) {
          for (let index = 2; index < 6; index++) if (!isHexDigit(buf[at + index])) throw NOT_FAST;
          at += 6;
          continue;
        }
        if (escaped === undefined || !SIMPLE_ESCAPES.has(escaped)) throw NOT_FAST;
        at += 2;
        continue;
      }
      at++;
    }
    this.pos = at + 1;
  }
}

/** A repeated field: JSON.parse keeps the last, protobuf would merge; the general path decides. */
function once(seen: boolean): true {
  if (seen) throw NOT_FAST;
  return true;
}

/** `"\/bfnrt` after a backslash. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

function isHexDigit(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= ZERO && byte <= NINE) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
  );
}
