import { gzipSync } from 'node:zlib';
import type { CollectorConfig } from '@perimeter/schema';
import { createHttpClient, postExport } from '@perimeter/schema/otlp';
import { checkpointLogsRequest } from '../integrity/checkpoint-record.ts';
import { mergeJsonRequests, toJsonObject, toProtobuf } from '../otlp/otlp-transcode.ts';
import { batchAttributes } from './batch-attributes.ts';
import { toSendOutcome } from './export-outcome.ts';
import type { SendOutcome, Sink, StoredBatch } from './types.ts';

/**
 * OTLP/HTTP to any OTLP backend or an OpenTelemetry Collector gateway. Several stored batches of
 * one signal become one request (their resource lists concatenated, each resource tagged with its
 * node, stream and seq). A 200 with `partial_success` is not retried; its rejected count is reported.
 * A signed checkpoint goes as one `integrity.checkpoint` log record, by the same path.
 */
export type OtlpSinkConfig = Extract<CollectorConfig['forward'][number], { type: 'otlp' }>;

export function createOtlpSink(name: string, config: OtlpSinkConfig, nowMs: () => number): Sink {
  const http = createHttpClient({ tls: config.tls, maxSockets: 64 });
  const base = config.endpoint.replace(/\/+$/, '');
  const contentType = config.encoding === 'json' ? 'application/json' : 'application/x-protobuf';
  const post = async (signal: StoredBatch['signal'], plain: Uint8Array): Promise<SendOutcome> => {
    const body = config.compression === 'gzip' ? gzipSync(plain) : plain;
    const headers: Record<string, string> = { ...config.headers, 'content-type': contentType };
    if (config.compression === 'gzip') {
      headers['content-encoding'] = 'gzip';
    }
    const outcome = await postExport(http, `${base}/v1/${signal}`, {
      headers,
      body,
      timeoutMs: config.timeout,
      protocol: 'otlp',
      nowMs,
    });
    return toSendOutcome(outcome);
  };
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
      return post(signal, plain);
    },
    async sendCheckpoint(checkpoint) {
      // Made as OTLP/JSON, then encoded as the sink wants by the same transcoder the batches use.
      const json = Buffer.from(JSON.stringify(checkpointLogsRequest(checkpoint, nowMs())));
      const request = {
        signal: 'logs' as const,
        contentType: 'application/json',
        contentEncoding: '',
        payload: json,
      };
      return post('logs', config.encoding === 'json' ? json : toProtobuf(request, []));
    },
    close: async () => http.close(),
  };
}
