import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PerimeterHeaders } from '@perimeter/schema';
import { type ExportOutcome, type HttpClient, postExport } from '@perimeter/schema/otlp';
import type { SpooledBatch } from '../spool/types.ts';

/**
 * One POST of one spooled batch, through the shared OTLP client (@perimeter/schema/otlp), which
 * turns every answer and failure into an outcome: the caller decides what to do with the row. The
 * request carries the batch bytes exactly as spooled (optionally gzipped) plus the stream and seq
 * headers, so a retry is byte-identical and the collector can treat it as a duplicate.
 */
export interface SendTarget {
  collectorUrl: string;
  token: string;
  streamId: string;
  gzip: boolean;
  timeoutMs: number;
  userAgent?: string;
  /** The shared HTTP client, holding the TLS settings and keep-alive connections. */
  http: HttpClient;
  nowMs: () => number;
}

const gzipAsync = promisify(gzip);

export function signalUrl(collectorUrl: string, signal: SpooledBatch['signal']): string {
  return `${collectorUrl.replace(/\/+$/, '')}/v1/${signal}`;
}

export async function sendBatch(
  target: SendTarget,
  batch: SpooledBatch,
  signal: AbortSignal,
): Promise<ExportOutcome> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-protobuf',
    authorization: `Bearer ${target.token}`,
    [PerimeterHeaders.stream]: target.streamId,
    [PerimeterHeaders.seq]: String(batch.seq),
  };
  if (target.gzip) {
    headers['content-encoding'] = 'gzip';
  }
  if (target.userAgent) {
    headers['user-agent'] = target.userAgent;
  }
  const body = target.gzip ? new Uint8Array(await gzipAsync(batch.body)) : batch.body;
  return postExport(target.http, signalUrl(target.collectorUrl, batch.signal), {
    headers,
    body,
    timeoutMs: target.timeoutMs,
    signal,
    protocol: 'otlp',
    nowMs: target.nowMs,
  });
}
