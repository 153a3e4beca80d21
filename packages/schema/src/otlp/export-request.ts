import type { HttpClient } from './http-client.ts';
import { type PartialSuccess, readPartialSuccess } from './partial-success.ts';
import { parseRetryAfterMs } from './retry-after.ts';
import { classifyExportStatus, type ExportProtocol } from './retry-policy.ts';

/**
 * One export POST, turned into data (OpenTelemetry JS's ExportResponse: success | failure |
 * retryable{retryInMillis}): the caller decides what to do with its batch. Every failure, a
 * refused connection or a timeout included, becomes an outcome, never a throw.
 */
export type ExportOutcome =
  | { kind: 'ok'; status: number; partial?: PartialSuccess }
  | {
      kind: 'retryable' | 'auth';
      status: number | 'network-error';
      /** The server's Retry-After, when it sent one. */
      retryAfterMs?: number;
      /**
       * A network error's code (`ECONNREFUSED`, `ECONNRESET`, …), when the socket gave one: a
       * refused connection means nothing listens there, which a caller may probe more often.
       */
      networkCode?: string;
      detail: string;
    }
  | { kind: 'rejected'; status: number; detail: string };

export interface ExportRequest {
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
  signal?: AbortSignal;
  protocol: ExportProtocol;
  /** For an HTTP-date Retry-After. */
  nowMs: () => number;
}

const MAX_DETAIL_CHARS = 1000;

export async function postExport(
  http: HttpClient,
  url: string,
  request: ExportRequest,
): Promise<ExportOutcome> {
  let response: Awaited<ReturnType<HttpClient['request']>>;
  try {
    response = await http.request(url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      timeoutMs: request.timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    const detail = describeNetworkError(error);
    const code = (error as NodeJS.ErrnoException).code;
    return typeof code === 'string'
      ? { kind: 'retryable', status: 'network-error', networkCode: code, detail }
      : { kind: 'retryable', status: 'network-error', detail };
  }
  const body = new Uint8Array(response.body);
  const verdict = classifyExportStatus(response.status, request.protocol);
  if (verdict === 'ok') {
    const contentType = response.headers['content-type'];
    const partial = request.protocol === 'otlp' ? readPartialSuccess(contentType, body) : undefined;
    return partial === undefined
      ? { kind: 'ok', status: response.status }
      : { kind: 'ok', status: response.status, partial };
  }
  const detail = describeAnswer(response.status, body);
  if (verdict === 'rejected') return { kind: 'rejected', status: response.status, detail };
  const retryAfterMs = parseRetryAfterMs(response.headers['retry-after'], request.nowMs());
  return retryAfterMs === undefined
    ? { kind: verdict, status: response.status, detail }
    : { kind: verdict, status: response.status, retryAfterMs, detail };
}

/** The status and the start of the server's text, printable, for logs and dead letters. */
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
  if (err.name === 'AbortError') return 'request aborted (stopping)';
  return err.code ? `${err.message} (${err.code})` : String(err.message ?? error);
}
