import { gunzipSync } from 'node:zlib';
import { gzipDeclaredBytes } from '../http/read-body.ts';
import { ExactReader, ExactWriter, OtlpFullTypes } from './otlp-full-proto.ts';
import { addResourceAttributesProtobuf, type ResourceAttribute } from './otlp-wire.ts';
import type { Signal } from './types.ts';

/**
 * A stored batch's payload → the request a sink sends, in the encoding it wants, with the
 * forward's resource attributes added. Protobuf to protobuf is a byte-level edit (otlp-wire.ts);
 * JSON to JSON edits the parsed object; across encodings the message is transcoded with 64-bit
 * integers kept exact. OTLP/JSON rules: int64 as decimal strings, trace and span ids as hex, other
 * bytes as base64, enums as integers.
 */
export type OtlpEncoding = 'protobuf' | 'json';

export interface StoredPayload {
  signal: Signal;
  contentType: string;
  contentEncoding: string;
  payload: Uint8Array;
}

const HEX_BYTE_FIELDS = new Set(['traceId', 'spanId']);

export function storedEncoding(contentType: string): OtlpEncoding {
  return contentType.includes('json') ? 'json' : 'protobuf';
}

export function plainPayload(batch: StoredPayload): Uint8Array {
  return batch.contentEncoding === 'gzip' ? gunzipSync(batch.payload) : batch.payload;
}

/**
 * About how many bytes `plainPayload` gives, without inflating: what a sink's `maxBytesPerRequest`
 * counts. A gzip payload's trailer (ISIZE) holds its inflated size mod 2^32, exact for anything
 * ingest's limit on inflated bodies lets in; a body a client sent as several gzip members counts
 * only its last (still bounded by `maxBatchesPerRequest`).
 */
export function plainPayloadBytes(batch: Pick<StoredPayload, 'contentEncoding' | 'payload'>): number {
  const declared = batch.contentEncoding === 'gzip' ? gzipDeclaredBytes(batch.payload) : undefined;
  return declared ?? batch.payload.byteLength;
}

export function toProtobuf(batch: StoredPayload, attributes: readonly ResourceAttribute[]): Uint8Array {
  const plain = plainPayload(batch);
  if (storedEncoding(batch.contentType) === 'protobuf') {
    return addResourceAttributesProtobuf(plain, attributes);
  }
  const message = addResourceAttributesJson(parseJson(plain), batch.signal, attributes);
  const type = batch.signal === 'metrics' ? OtlpFullTypes.metricsRequest : OtlpFullTypes.logsRequest;
  return type.encode(jsonToProtobufShape(message) as never, new ExactWriter()).finish();
}

/** The OTLP/JSON object of a stored batch, with attributes added. */
export function toJsonObject(
  batch: StoredPayload,
  attributes: readonly ResourceAttribute[],
): Record<string, unknown> {
  const plain = plainPayload(batch);
  if (storedEncoding(batch.contentType) === 'json') {
    return addResourceAttributesJson(parseJson(plain), batch.signal, attributes);
  }
  const type = batch.signal === 'metrics' ? OtlpFullTypes.metricsRequest : OtlpFullTypes.logsRequest;
  const decoded = type.decode(new ExactReader(addResourceAttributesProtobuf(plain, attributes)));
  return messageToJson(decoded, '') as Record<string, unknown>;
}

export function toJsonText(batch: StoredPayload, attributes: readonly ResourceAttribute[]): string {
  return JSON.stringify(toJsonObject(batch, attributes));
}

/** Merges requests of one signal into one: their resource lists concatenated, in order. */
export function mergeJsonRequests(
  signal: Signal,
  requests: Array<Record<string, unknown>>,
): Record<string, unknown> {
  const key = signal === 'metrics' ? 'resourceMetrics' : 'resourceLogs';
  return { [key]: requests.flatMap((request) => (request[key] as unknown[] | undefined) ?? []) };
}

/** A decoded message's own (set) fields as OTLP/JSON; protobufjs's toJSON would round int64s. */
function messageToJson(value: unknown, key: string): unknown {
  if (value instanceof Uint8Array) {
    return HEX_BYTE_FIELDS.has(key)
      ? Buffer.from(value).toString('hex')
      : Buffer.from(value).toString('base64');
  }
  if (Array.isArray(value)) {
    return value.map((item) => messageToJson(item, key));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(value)) {
      const inner = (value as Record<string, unknown>)[name];
      if (inner !== undefined && !(Array.isArray(inner) && inner.length === 0)) {
        out[name] = messageToJson(inner, name);
      }
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  return value;
}

function parseJson(plain: Uint8Array): Record<string, unknown> {
  return JSON.parse(Buffer.from(plain).toString('utf8')) as Record<string, unknown>;
}

function addResourceAttributesJson(
  request: Record<string, unknown>,
  signal: Signal,
  attributes: readonly ResourceAttribute[],
): Record<string, unknown> {
  const resources = (request[signal === 'metrics' ? 'resourceMetrics' : 'resourceLogs'] ?? []) as Array<
    Record<string, unknown>
  >;
  for (const container of resources) {
    container.resource ??= {};
    const resource = container.resource as Record<string, unknown>;
    resource.attributes ??= [];
    const list = resource.attributes as Array<{ key: string; value: unknown }>;
    const existing = new Set(list.map((entry) => entry.key));
    for (const [key, value] of attributes) {
      if (!existing.has(key)) {
        list.push({
          key,
          value: typeof value === 'string' ? { stringValue: value } : { intValue: String(value) },
        });
      }
    }
  }
  return request;
}

/** OTLP/JSON's bytes fields (hex ids, base64 elsewhere) → Uint8Array, as the protobuf encoder wants. */
function jsonToProtobufShape(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => jsonToProtobufShape(item, key));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) {
      out[name] = jsonToProtobufShape(inner, name);
    }
    return out;
  }
  if (typeof value === 'string' && HEX_BYTE_FIELDS.has(key)) {
    return Buffer.from(value, 'hex');
  }
  if (typeof value === 'string' && key === 'bytesValue') {
    return Buffer.from(value, 'base64');
  }
  return value;
}
