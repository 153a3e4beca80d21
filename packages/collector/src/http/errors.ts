import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Every refusal is an `HttpError` thrown from where it is found and mapped to one JSON shape in
 * `handleHttpError`: `{ "error": { "code", "message", "field"? } }`. Bad input is never a 500.
 */
export interface HttpErrorOptions {
  code: string;
  field?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: ContentfulStatusCode, message: string, options: HttpErrorOptions) {
    super(message, { cause: options.cause });
    this.status = status;
    this.code = options.code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export interface ErrorLog {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function createErrorHandler(log: ErrorLog, onRefused?: (error: HttpError, c: Context) => void) {
  return function handleHttpError(error: Error, c: Context): Response {
    if (error instanceof HttpError) {
      onRefused?.(error, c);
      log.warn(
        { status: error.status, code: error.code, field: error.field, path: c.req.path },
        error.message,
      );
      if (error.retryAfterSeconds !== undefined) {
        c.header('Retry-After', String(error.retryAfterSeconds));
      }
      const body: { code: string; message: string; field?: string } = {
        code: error.code,
        message: error.message,
      };
      if (error.field !== undefined) {
        body.field = error.field;
      }
      return c.json({ error: body }, error.status);
    }
    log.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json({ error: { code: 'internal', message: 'internal error; see the collector log' } }, 500);
  };
}
