import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PerimeterHeaders } from '@perimeter/schema';
import type { HttpClient } from '../host/http-client.ts';
import type { SpooledBatch } from '../spool/types.ts';
import { classifyResponse, type ResponseClass } from './backoff.ts';

/**
 * One POST of one spooled batch, turned into data: the caller decides what to do with the row.
 * The request carries the batch bytes exactly as spooled (optionally gzipped) plus the stream and
 * seq headers, so a retry is byte-identical and the collector can treat it as a duplicate.
 * Every failure, a refused connection or a timeout included, becomes an outcome, never a throw.
 */
export interface SendTarget {
  collectorUrl: string;
  token: string;
  streamId: string;
  gzip: boolean;
  timeoutMs: number;
  userAgent?: string;
  /** The HTTP client (host/http-client.ts), holding the TLS settings and keep-alive connections. */
  http: HttpClient;
}

export interface SendOutcome {
  kind: ResponseClass;
  status: number | 'network-error';
  retryAfter: string | null;
  contentType: string | null;
  body: Uint8Array;
  /** Why it failed, for logs and dead letters (a network error message or the collector's text). */
  detail: string;
}

const gzipAsync = promisify(gzip);
const MAX_DETAIL_CHARS = 1000;

export function signalUrl(collectorUrl: string, signal: SpooledBatch['signal']): string {
  return `${collectorUrl.replace(/\/+$/, '')}/v1/${signal}`;
}

export async function sendBatch(
  target: SendTarget,
  batch: SpooledBatch,
  signal: AbortSignal,
): Promise<SendOutcome> {
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
  try {
    const body = target.gzip ? new Uint8Array(await gzipAsync(batch.body)) : batch.body;
    const response = await target.http.request(signalUrl(target.collectorUrl, batch.signal), {
      method: 'POST',
      headers,
      body,
      signal,
      timeoutMs: target.timeoutMs,
    });
    const answer = new Uint8Array(response.body);
    const header = (name: string) => {
      const value = response.headers[name];
      return typeof value === 'string' ? value : null;
    };
    const ok = response.status >= 200 && response.status < 300;
    return {
      kind: classifyResponse(response.status),
      status: response.status,
      retryAfter: header('retry-after'),
      contentType: header('content-type'),
      body: answer,
      detail: ok ? '' : describeAnswer(response.status, answer),
    };
  } catch (error) {
    return {
      kind: 'retryable',
      status: 'network-error',
      retryAfter: null,
      contentType: null,
      body: new Uint8Array(),
      detail: describeNetworkError(error),
    };
  }
}

function describeAnswer(status: number, body: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false })
    .decode(body.subarray(0, MAX_DETAIL_CHARS * 4))
    .replace(/[^\x20-\x7e\u00a0-\uffff]+/g, ' ')
    .trim()
    .slice(0, MAX_DETAIL_CHARS);
  return text === '' ? `HTTP ${status}` : `HTTP ${status}: ${text}`;
}

function describeNetworkError(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  if (err.name === 'TimeoutError') return 'request timed out';
  if (err.name === 'AbortError') return 'request aborted (agent stopping)';
  return err.code ? `${err.message} (${err.code})` : String(err.message ?? error);
}
