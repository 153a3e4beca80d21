/**
 * `partial_success` in a 2xx OTLP answer. The spec says a partial success MUST NOT be retried, so
 * the data counts as delivered; what was rejected is counted and logged, never silent. An
 * unreadable answer body is not an error: the 2xx already means "stored".
 *
 * Both responses have the same shape, ExportMetricsServiceResponse and ExportLogsServiceResponse:
 * field 1 = partial_success { 1: int64 rejected_data_points | rejected_log_records, 2: string
 * error_message }, so one small reader serves both without loading a protobuf library.
 */
export interface PartialSuccess {
  rejected: number;
  message: string;
}

export function readPartialSuccess(
  contentType: string | null | undefined,
  body: Uint8Array,
): PartialSuccess | undefined {
  if (body.byteLength === 0) return undefined;
  try {
    const found = contentType?.includes('json') ? fromJson(body) : fromProtobuf(body);
    return found !== undefined && (found.rejected > 0 || found.message !== '') ? found : undefined;
  } catch {
    return undefined;
  }
}

function fromJson(body: Uint8Array): PartialSuccess | undefined {
  const answer = JSON.parse(new TextDecoder().decode(body)) as { partialSuccess?: Record<string, unknown> };
  const partial = answer.partialSuccess;
  if (partial === undefined || partial === null) return undefined;
  // int64 is a decimal string in OTLP/JSON, a number from lenient encoders.
  const rejected = Number(partial.rejectedDataPoints ?? partial.rejectedLogRecords ?? 0);
  return {
    rejected: Number.isFinite(rejected) ? rejected : 0,
    message: typeof partial.errorMessage === 'string' ? partial.errorMessage : '',
  };
}

function fromProtobuf(body: Uint8Array): PartialSuccess | undefined {
  let found: PartialSuccess | undefined;
  forEachField(body, (field, value) => {
    if (field !== 1 || !(value instanceof Uint8Array)) return;
    const partial: PartialSuccess = { rejected: 0, message: '' };
    forEachField(value, (inner, innerValue) => {
      if (inner === 1 && typeof innerValue === 'number') partial.rejected = innerValue;
      if (inner === 2 && innerValue instanceof Uint8Array)
        partial.message = new TextDecoder().decode(innerValue);
    });
    found = partial;
  });
  return found;
}

/** Walks one protobuf message: varints as numbers, length-delimited fields as bytes; throws when truncated. */
function forEachField(bytes: Uint8Array, visit: (field: number, value: number | Uint8Array) => void): void {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = bytes[at++];
      if (byte === undefined) throw new RangeError('truncated varint');
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new RangeError('varint too long');
  };
  while (at < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0:
        visit(field, varint());
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const length = varint();
        if (at + length > bytes.length) throw new RangeError('truncated field');
        visit(field, bytes.subarray(at, at + length));
        at += length;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw new RangeError(`unsupported wire type ${tag & 7}`);
    }
  }
  if (at > bytes.length) throw new RangeError('truncated field');
}
