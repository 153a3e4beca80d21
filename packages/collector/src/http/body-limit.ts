import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpError } from './errors.ts';

/**
 * Request-body bounds for every route that is not OTLP ingest (ingest counts its own bytes, and
 * after gunzip, in read-body.ts). Counted before anything is buffered: a declared Content-Length
 * over the bound is refused unread, and a chunked body is counted as it streams and refused at the
 * bound, so an unauthenticated 300 MiB POST costs the collector at most the bound.
 */
export const BODY_LIMIT_DEFAULTS = {
  /** POST /sign-in carries one token and a `next` path: a few hundred bytes in practice. */
  signIn: 4 * 1024,
  /** Any route that sets no bound of its own (console, read API, routes added later). */
  other: 64 * 1024,
} as const;

export type RouteBodyLimits = { signIn: number; other: number };

export function limitBody(maxBytes: number): MiddlewareHandler {
  const tooLarge = () => {
    throw new HttpError(413, `body is over the ${maxBytes}-byte limit for this route`, {
      code: 'body_too_large',
      field: 'body',
    });
  };
  const counted = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async function limitBodyMiddleware(c, next) {
    // Decided from the headers where they suffice: touching `c.req.raw.body` makes
    // @hono/node-server treat the body as unread and close the keep-alive socket after the answer.
    const headers = c.req.raw.headers;
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      await next();
      return;
    }
    const declared = headers.get('content-length');
    if (declared !== null && !headers.has('transfer-encoding')) {
      if (Number(declared) > maxBytes) tooLarge();
      // Node's parser never delivers more than the declared length.
      await next();
      return;
    }
    return counted(c, next);
  };
}

/** The default bound on every path except the OTLP ones, which read-body.ts bounds itself. */
export function limitBodiesExceptIngest(maxBytes: number): MiddlewareHandler {
  const limited = limitBody(maxBytes);
  return async function limitBodiesMiddleware(c, next) {
    if (c.req.path.startsWith('/v1/')) {
      await next();
      return;
    }
    return limited(c, next);
  };
}
