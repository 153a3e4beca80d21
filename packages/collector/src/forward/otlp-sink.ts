import { gzipSync } from 'node:zlib';
import type { CollectorConfig } from '@perimeter/schema';
import { OtlpTypes } from '../ingest/otlp-proto.ts';
import { batchAttributes } from './batch-attributes.ts';
import { createHttpPoster, type HttpPoster } from './http-post.ts';
import { mergeJsonRequests, toJsonObject, toProtobuf } from './otlp-transcode.ts';
import { classifyStatus, parseRetryAfterMs } from './retry-policy.ts';
import type { SendOutcome, Sink, StoredBatch } from './types.ts';

/**
 * OTLP/HTTP to any OTLP backend or an OpenTelemetry Collector gateway. Several stored batches of
 * one signal become one request (their resource lists concatenated, each resource tagged with its
 * node, stream and seq). A 200 with `partial_success` is not retried; its rejected count is reported.
 */
export type OtlpSinkConfig = Extract<CollectorConfig['forward'][number], { type: 'otlp' }>;

export function createOtlpSink(name: string, config: OtlpSinkConfig, nowMs: () => number): Sink {
  const poster: HttpPoster = createHttpPoster({ timeoutMs: config.timeout, tls: config.tls });
  const base = config.endpoint.replace(/\/+$/, '');
  const contentType = config.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  return {
    name,
    type: 'otlp',
    accepts: () => true,
    async send(batches: readonly StoredBatch[]): Promise<SendOutcome> {
      const signal = (batches[0] as StoredBatch).signal;
      const plain =
        config.encoding === 'json'
          ? Buffer.from(
              JSON.stringify(
                mergeJsonRequests(
                  signal,
                  batches.map((batch) => toJsonObject(batch, batchAttributes(batch))),
                ),
              ),
            )
          : // Protobuf messages of one type concatenate into their merge: the repeated resource lists join.
            Buffer.concat(batches.map((batch) => toProtobuf(batch, batchAttributes(batch))));
      const body = config.compression === 'gzip' ? gzipSync(plain) : plain;
      const headers: Record<string, string> = { ...config.headers, 'content-type': contentType };
      if (config.compression === 'gzip') {
        headers['content-encoding'] = 'gzip';
      }
      const result = await poster.post(`${base}/v1/${signal}`, headers, body);
      if (result.kind === 'network-error') {
        return { kind: 'retryable', reason: `network: ${result.message}` };
      }
      const verdict = classifyStatus(result.status, 'otlp');
      if (verdict === 'ok') {
        return { kind: 'ok', ...readPartialSuccess(signal, result.headers['content-type'], result.body) };
      }
      const reason = `HTTP ${result.status}: ${describeBody(result.body)}`;
      if (verdict === 'retryable') {
        const retryAfterMs = parseRetryAfterMs(headerText(result.headers['retry-after']), nowMs());
        return retryAfterMs === undefined
          ? { kind: 'retryable', reason, status: result.status }
          : { kind: 'retryable', reason, status: result.status, retryAfterMs };
      }
      return { kind: 'rejected', reason, status: result.status };
    },
    close: async () => poster.close(),
  };
}

function readPartialSuccess(
  signal: 'metrics' | 'logs',
  contentType: string | undefined,
  body: Buffer,
): { rejectedItems: number; message?: string } {
  if (body.byteLength === 0) {
    return { rejectedItems: 0 };
  }
  try {
    const decoded = (
      (contentType ?? '').includes('json')
        ? JSON.parse(body.toString('utf8'))
        : (signal === 'metrics' ? OtlpTypes.metricsResponse : OtlpTypes.logsResponse).decode(body)
    ) as {
      partialSuccess?: { rejectedDataPoints?: unknown; rejectedLogRecords?: unknown; errorMessage?: string };
    };
    const partial = decoded.partialSuccess;
    const rejected = Number(partial?.rejectedDataPoints ?? partial?.rejectedLogRecords ?? 0);
    return partial?.errorMessage
      ? { rejectedItems: rejected, message: partial.errorMessage }
      : { rejectedItems: rejected };
  } catch {
    // A 2xx whose body we cannot read is still a 2xx: the data was accepted.
    return { rejectedItems: 0 };
  }
}

export function describeBody(body: Buffer): string {
  const text = body
    .subarray(0, 300)
    .toString('utf8')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return text === '' ? '(empty body)' : text;
}

export function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
