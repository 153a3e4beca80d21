import type { AttributeValue } from './types.ts';

/**
 * Readers for OTLP values that accept both shapes ingest sees: protobufjs messages (oneof getters,
 * numbers, Uint8Array) and OTLP/JSON objects (64-bit integers as decimal strings, doubles possibly
 * "NaN"/"Infinity", bytes as base64). A malformed value throws `InvalidField` with its path.
 */

export class InvalidField extends Error {
  override readonly name = 'InvalidField';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

export type Obj = Record<string, unknown>;

export function asObject(value: unknown, path: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidField(path, 'expected an object');
  }
  return value as Obj;
}

export function asArray(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new InvalidField(path, 'expected an array');
  }
  return value;
}

export function asString(value: unknown, path: string): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value !== 'string') {
    throw new InvalidField(path, 'expected a string');
  }
  return value;
}

/** Which member of a oneof is set: protobufjs exposes it as a virtual string property. */
export function oneofMember(obj: Obj, oneofName: string, members: readonly string[]): string | undefined {
  const virtual = obj[oneofName];
  if (typeof virtual === 'string' && members.includes(virtual)) {
    return virtual;
  }
  for (const member of members) {
    if (Object.hasOwn(obj, member) && obj[member] !== undefined && obj[member] !== null) {
      return member;
    }
  }
  return undefined;
}

/** fixed64 nanoseconds → milliseconds; 0 or absent means "unspecified" (null). */
export function nanosToMs(value: unknown, path: string): number | null {
  if (value === undefined || value === null || value === 0 || value === '0' || value === '') {
    return null;
  }
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    // Exact: drop the sub-millisecond digits as text (Number() of a 19-digit string is already
    // off by up to 256 ns, which can floor a whole millisecond away).
    return Number(value.length > 6 ? value.slice(0, -6) : '0');
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidField(path, 'expected unsigned nanoseconds since the epoch');
  }
  // protobufjs hands fixed64 over as the nearest double (up to 256 ns off at today's epoch):
  // round to whole microseconds first, so ...129999999872 ns reads as ...130 ms, not ...129.
  return Math.floor(Math.round(value / 1e3) / 1e3);
}

/** A double or int64 as OTLP/JSON writes it; non-finite values come back as NaN/±Infinity. */
export function toNumber(value: unknown, path: string): number {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string') {
    if (value === 'NaN') {
      return Number.NaN;
    }
    if (value === 'Infinity') {
      return Number.POSITIVE_INFINITY;
    }
    if (value === '-Infinity') {
      return Number.NEGATIVE_INFINITY;
    }
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) {
      return Number(value);
    }
  }
  throw new InvalidField(path, 'expected a number');
}

/** AnyValue's oneof members, in the proto's order (the descriptor declares its oneof from this). */
export const ANY_VALUE_MEMBERS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;

/** AnyValue → a scalar for storage and labels; arrays, maps and bytes become their JSON text. */
export function anyValueToScalar(value: unknown, path: string, depth = 0): AttributeValue | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (depth > 16) {
    throw new InvalidField(path, 'nested more than 16 levels deep');
  }
  const obj = asObject(value, path);
  const member = oneofMember(obj, 'value', ANY_VALUE_MEMBERS);
  switch (member) {
    case undefined:
      return null;
    case 'stringValue':
      return asString(obj.stringValue, `${path}.stringValue`);
    case 'boolValue':
      return obj.boolValue === true || obj.boolValue === 'true';
    case 'intValue':
    case 'doubleValue':
      return toNumber(obj[member], `${path}.${member}`);
    case 'bytesValue':
      return obj.bytesValue instanceof Uint8Array
        ? Buffer.from(obj.bytesValue).toString('base64')
        : asString(obj.bytesValue, `${path}.bytesValue`);
    case 'arrayValue':
      return JSON.stringify(
        asArray(asObject(obj.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`).map(
          (item, index) => anyValueToScalar(item, `${path}.arrayValue.values[${index}]`, depth + 1),
        ),
      );
    default:
      return JSON.stringify(
        attributesToRecord(
          asObject(obj.kvlistValue, `${path}.kvlistValue`).values,
          `${path}.kvlistValue.values`,
          depth + 1,
        ),
      );
  }
}

export function attributesToRecord(list: unknown, path: string, depth = 0): Record<string, AttributeValue> {
  const record: Record<string, AttributeValue> = {};
  const items = asArray(list, path);
  for (let index = 0; index < items.length; index++) {
    const itemPath = `${path}[${index}]`;
    const kv = asObject(items[index], itemPath);
    const key = asString(kv.key, `${itemPath}.key`);
    if (key === '') {
      throw new InvalidField(`${itemPath}.key`, 'attribute key is empty');
    }
    const scalar = anyValueToScalar(kv.value, `${itemPath}.value`, depth);
    if (scalar !== null) {
      record[key] = scalar;
    }
  }
  return record;
}

/**
 * A data point's attributes as key-sorted pairs, built directly (no intermediate record) because
 * this runs once per point on the ingest hot path. A repeated key keeps its last value, as OTLP
 * receivers conventionally do.
 */
export function attributesToSortedPairs(
  list: unknown,
  path: string,
): Array<readonly [string, AttributeValue]> {
  const items = asArray(list, path);
  const pairs: Array<readonly [string, AttributeValue]> = [];
  for (let index = 0; index < items.length; index++) {
    const kv = asObject(items[index], `${path}[${index}]`);
    const key = asString(kv.key, `${path}[${index}].key`);
    if (key === '') {
      throw new InvalidField(`${path}[${index}].key`, 'attribute key is empty');
    }
    const scalar = anyValueToScalar(kv.value, `${path}[${index}].value`);
    if (scalar !== null) {
      pairs.push([key, scalar]);
    }
  }
  return sortPairsByKey(pairs);
}

/**
 * Attribute pairs in arrival order → sorted by key, a repeated key keeping its last value; already
 * sorted unique pairs (what agents send) come back as they are. Both OTLP decoders end here, so
 * one series always gets one identity whichever decoder read it.
 */
export function sortPairsByKey(
  pairs: Array<readonly [string, AttributeValue]>,
): Array<readonly [string, AttributeValue]> {
  let sorted = true;
  for (let index = 1; index < pairs.length; index++) {
    if (
      (pairs[index - 1] as readonly [string, AttributeValue])[0] >=
      (pairs[index] as readonly [string, AttributeValue])[0]
    ) {
      sorted = false;
      break;
    }
  }
  if (sorted) {
    return pairs;
  }
  const lastByKey = new Map<string, AttributeValue>();
  for (const [key, value] of pairs) {
    lastByKey.set(key, value);
  }
  return [...lastByKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The attributes' part of a series' identity: typed (a string "1" and a number 1 differ) and
 * separated by characters that never occur in names or values, so it is unambiguous without JSON.
 */
export function attributesIdentity(attributes: ReadonlyArray<readonly [string, AttributeValue]>): string {
  let key = '';
  for (const [name, value] of attributes) {
    key += `\u0000${name}\u0001${typeof value === 'string' ? 's' : typeof value === 'number' ? 'n' : 'b'}${value}`;
  }
  return key;
}
