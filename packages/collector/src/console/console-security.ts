import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from '../http/errors.ts';

/**
 * The headers every console response carries, and the same-origin check on its form posts.
 * The CSP allows scripts and styles from the collector only: no inline script, no inline style
 * (uPlot sizes its elements through the CSSOM, which style-src does not govern), no frames.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function consoleHeaders(): MiddlewareHandler {
  return async function consoleHeadersMiddleware(c, next) {
    await next();
    const headers = c.res.headers;
    headers.set('Content-Security-Policy', CONSOLE_CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on form posts.
    headers.set('Referrer-Policy', 'same-origin');
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (!headers.has('Cache-Control')) {
      headers.set('Cache-Control', 'no-store');
    }
  };
}

/**
 * Refuses a form post another site made: a browser sends Sec-Fetch-Site (decisive when present)
 * or else Origin with every POST, and it must say same origin. A client that sends neither (curl, a script holding a
 * token anyway) is let through; the SameSite=Strict cookie already keeps other sites' posts
 * unauthenticated, this is the second lock.
 */
export function sameOriginPosts(): MiddlewareHandler {
  return async function sameOriginPostsMiddleware(c, next) {
    if (c.req.method === 'POST') {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const own = new URL(c.req.url).origin;
      const allowed = site !== undefined ? site === 'same-origin' : origin === undefined || origin === own;
      if (!allowed) {
        throw new HttpError(403, 'the console accepts form posts from its own pages only', {
          code: 'cross_origin',
          field: origin === undefined ? 'sec-fetch-site' : 'origin',
        });
      }
    }
    await next();
  };
}

/** The peer address of the request's socket; 'unknown' where there is none (app.request in tests). */
export function socketAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A post-sign-in target: a path on this site only (no scheme, no `//host`, no backslash tricks). */
export function safeNext(next: string | undefined): string {
  if (next === undefined || !/^\/(?![/\\])[^\s\\]*$/.test(next) || next.startsWith('/sign-')) {
    return '/';
  }
  return next;
}
