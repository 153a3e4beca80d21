/**
 * Adds resource attributes to an OTLP protobuf Export*ServiceRequest without decoding it: every
 * other byte stays as stored (timestamps exact to the nanosecond, fields this collector does not
 * know kept). Both requests have `resource_{metrics,logs} = 1`, each of those `resource = 1`, and a
 * Resource's `attributes = 1` is repeated, so new KeyValues are appended to the Resource and only
 * the enclosing lengths are rewritten. Keys the resource already has are left alone.
 */
export type ResourceAttribute = readonly [key: string, value: string | number];

interface Field {
  number: number;
  wireType: number;
  /** The whole field, tag included. */
  start: number;
  end: number;
  /** For length-delimited fields, the payload. */
  valueStart: number;
}

export function addResourceAttributesProtobuf(
  request: Uint8Array,
  attributes: readonly ResourceAttribute[],
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const field of readFields(request)) {
    if (field.number === 1 && field.wireType === 2) {
      parts.push(
        lengthDelimited(
          1,
          rewriteResourceContainer(request.subarray(field.valueStart, field.end), attributes),
        ),
      );
    } else {
      parts.push(request.subarray(field.start, field.end));
    }
  }
  return Buffer.concat(parts);
}

function rewriteResourceContainer(
  container: Uint8Array,
  attributes: readonly ResourceAttribute[],
): Uint8Array {
  const fields = [...readFields(container)];
  const resources = fields.filter((f) => f.number === 1 && f.wireType === 2);
  const existing = new Set<string>();
  for (const resource of resources) {
    for (const key of attributeKeys(container.subarray(resource.valueStart, resource.end))) {
      existing.add(key);
    }
  }
  const missing = attributes.filter(([key]) => !existing.has(key));
  if (missing.length === 0) {
    return container;
  }
  const added = Buffer.concat(missing.map(([key, value]) => lengthDelimited(1, encodeKeyValue(key, value))));
  const last = resources.at(-1);
  if (!last) {
    return Buffer.concat([container, lengthDelimited(1, added)]);
  }
  const parts: Uint8Array[] = [];
  for (const field of fields) {
    parts.push(
      field === last
        ? lengthDelimited(1, Buffer.concat([container.subarray(field.valueStart, field.end), added]))
        : container.subarray(field.start, field.end),
    );
  }
  return Buffer.concat(parts);
}

function* attributeKeys(resource: Uint8Array): Generator<string> {
  for (const field of readFields(resource)) {
    if (field.number === 1 && field.wireType === 2) {
      const keyValue = resource.subarray(field.valueStart, field.end);
      for (const inner of readFields(keyValue)) {
        if (inner.number === 1 && inner.wireType === 2) {
          yield Buffer.from(keyValue.subarray(inner.valueStart, inner.end)).toString('utf8');
        }
      }
    }
  }
}

function encodeKeyValue(key: string, value: string | number): Uint8Array {
  const anyValue =
    typeof value === 'string'
      ? lengthDelimited(1, Buffer.from(value, 'utf8'))
      : Buffer.concat([varint(3 << 3), varint(value)]);
  return Buffer.concat([lengthDelimited(1, Buffer.from(key, 'utf8')), lengthDelimited(2, anyValue)]);
}

function lengthDelimited(fieldNumber: number, value: Uint8Array): Uint8Array {
  return Buffer.concat([varint((fieldNumber << 3) | 2), varint(value.byteLength), value]);
}

function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`cannot encode ${value} as a varint`);
  }
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

function* readFields(buffer: Uint8Array): Generator<Field> {
  let pos = 0;
  while (pos < buffer.byteLength) {
    const start = pos;
    const [tag, afterTag] = readVarint(buffer, pos);
    pos = afterTag;
    const wireType = tag % 8;
    const number = Math.floor(tag / 8);
    let valueStart = pos;
    switch (wireType) {
      case 0:
        pos = readVarint(buffer, pos)[1];
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const [length, afterLength] = readVarint(buffer, pos);
        valueStart = afterLength;
        pos = afterLength + length;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new RangeError(`unsupported protobuf wire type ${wireType} at byte ${start}`);
    }
    if (pos > buffer.byteLength) {
      throw new RangeError(`protobuf field ${number} runs past the end of its message`);
    }
    yield { number, wireType, start, end: pos, valueStart };
  }
}

function readVarint(buffer: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  let pos = at;
  for (;;) {
    if (pos >= buffer.byteLength || pos - at > 9) {
      throw new RangeError(`malformed varint at byte ${at}`);
    }
    const byte = buffer[pos++] as number;
    value += (byte & 0x7f) * scale;
    scale *= 0x80;
    if (byte < 0x80) {
      return [value, pos];
    }
  }
}
