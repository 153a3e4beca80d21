import { isUtf8 } from 'node:buffer';
import { HttpError } from '../http/errors.ts';
import { decodeMetricsJson } from '../otlp/decode-metrics-json.ts';
import { AttributeSets, decodeMetricsWire } from '../otlp/decode-metrics-wire.ts';
import { decodeLogsRequest, decodeMetricsRequest } from '../otlp/decode-otlp.ts';
import { OtlpTypes } from '../otlp/otlp-proto.ts';
import { InvalidField } from '../otlp/otlp-values.ts';
import type { DecodedRequest, Signal } from '../otlp/types.ts';

/** Content types OTLP/HTTP allows; anything else is a 415 naming what was sent. */
export type OtlpEncoding = 'protobuf' | 'json';

export function parseContentType(header: string | undefined): OtlpEncoding {
  const mediaType = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') {
    return 'protobuf';
  }
  if (mediaType === 'application/json') {
    return 'json';
  }
  throw new HttpError(
    415,
    `Content-Type "${header ?? ''}" is not OTLP/HTTP; send application/x-protobuf or application/json`,
    { code: 'unsupported_media_type', field: 'content-type' },
  );
}

/** Each encoding's attribute sets by their bytes (the two byte forms of one set differ). */
export interface MetricsAttributeSets {
  protobuf: AttributeSets;
  json: AttributeSets;
}

export const createMetricsAttributeSets = (): MetricsAttributeSets => ({
  protobuf: new AttributeSets(),
  json: new AttributeSets(),
});

export function parseOtlpRequest(
  signal: Signal,
  encoding: OtlpEncoding,
  body: Uint8Array,
  receivedAtMs: number,
  /** Where the metrics readers keep attribute sets they have decoded (one pair per ingest app). */
  attributeSets?: MetricsAttributeSets,
): DecodedRequest {
  if (signal === 'metrics' && attributeSets !== undefined) {
    // The common case read straight from the bytes; anything it does not take, the path below
    // decodes and, where it is wrong, refuses naming the field.
    const fast =
      encoding === 'protobuf'
        ? decodeMetricsWire(body, receivedAtMs, attributeSets.protobuf)
        : decodeMetricsJson(body, receivedAtMs, attributeSets.json);
    if (fast !== undefined) return fast;
  }
  const message = encoding === 'protobuf' ? decodeProtobuf(signal, body) : decodeJson(body);
  try {
    return signal === 'metrics'
      ? decodeMetricsRequest(message, receivedAtMs)
      : decodeLogsRequest(message, receivedAtMs);
  } catch (error) {
    if (error instanceof InvalidField) {
      throw new HttpError(400, error.message, { code: 'invalid_field', field: error.field, cause: error });
    }
    throw error;
  }
}

function decodeProtobuf(signal: Signal, body: Uint8Array): unknown {
  const type = signal === 'metrics' ? OtlpTypes.metricsRequest : OtlpTypes.logsRequest;
  try {
    return type.decode(body);
  } catch (error) {
    throw new HttpError(400, `body is not a valid protobuf ${type.name}: ${(error as Error).message}`, {
      code: 'bad_protobuf',
      field: 'body',
      cause: error,
    });
  }
}

function decodeJson(body: Uint8Array): unknown {
  // isUtf8 validates in native code; the plain decode after it then has nothing left to replace.
  if (!isUtf8(body)) {
    throw new HttpError(400, 'JSON body is not valid UTF-8', { code: 'bad_json', field: 'body' });
  }
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `body is not valid JSON: ${(error as Error).message}`, {
      code: 'bad_json',
      field: 'body',
      cause: error,
    });
  }
}

export function encodeOtlpResponse(
  signal: Signal,
  encoding: OtlpEncoding,
  rejected: number,
  messages: readonly string[],
): Uint8Array | string {
  const errorMessage = messages.join('; ');
  const partial =
    rejected > 0 || errorMessage !== ''
      ? signal === 'metrics'
        ? { partialSuccess: { rejectedDataPoints: rejected, errorMessage } }
        : { partialSuccess: { rejectedLogRecords: rejected, errorMessage } }
      : {};
  if (encoding === 'json') {
    // OTLP/JSON writes int64 as a decimal string.
    return JSON.stringify(partial, (key, value) => (key.startsWith('rejected') ? String(value) : value));
  }
  const type = signal === 'metrics' ? OtlpTypes.metricsResponse : OtlpTypes.logsResponse;
  return type.encode(type.fromObject(partial)).finish();
}
