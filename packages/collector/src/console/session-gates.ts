import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { HttpError } from '../http/errors.ts';
import type { TokenRows } from '../store/token-rows.ts';
import { tokenIsLive } from '../tokens/token-store.ts';
import type { ConsoleSession, SessionStore } from './session-store.ts';

/**
 * Which session a request carries, and the gates pages and JSON calls stand behind. A session
 * lives only while its token does: every request re-reads the token, so revoking it (or deleting
 * it, or its expiry passing) ends its sessions at once.
 */
export const SESSION_COOKIE = 'perimeter_session';
/**
 * The name over TLS: a `__Host-` cookie is accepted by browsers only when Secure, with Path=/ and no
 * Domain, so a sibling subdomain or a plain-HTTP page cannot plant or overwrite it.
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** Whether this request's session cookie is Secure: over https, or always when configured (TLS proxy). */
export function cookieIsSecure(c: Context, secureCookies: boolean): boolean {
  return secureCookies || new URL(c.req.url).protocol === 'https:';
}

/** The session cookie's name for this request; a Secure deployment reads only the `__Host-` name. */
export function sessionCookieName(c: Context, secureCookies: boolean): string {
  return cookieIsSecure(c, secureCookies) ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

declare module 'hono' {
  interface ContextVariableMap {
    consoleSession: ConsoleSession;
  }
}

export interface SessionGates {
  /** The live session the request's cookie names, or undefined. */
  sessionOf(c: Context): ConsoleSession | undefined;
  /** No live session: redirect to /sign-in, coming back here afterwards. */
  requirePage: MiddlewareHandler;
  /** No live session: 401. */
  requireJson: MiddlewareHandler;
}

export function createSessionGates(
  sessions: SessionStore,
  tokens: Pick<TokenRows, 'find'>,
  nowMs: () => number,
  secureCookies = false,
): SessionGates {
  const sessionOf = (c: Context): ConsoleSession | undefined => {
    const id = getCookie(c, sessionCookieName(c, secureCookies));
    const session = id === undefined ? undefined : sessions.get(id);
    const token = session === undefined ? undefined : tokens.find(session.tokenId);
    if (session !== undefined && (token === undefined || !tokenIsLive(token, nowMs()))) {
      sessions.delete(session.id); // the token was revoked, expired or deleted: its sessions end with it
      return undefined;
    }
    return session;
  };
  return {
    sessionOf,
    requirePage: async function requirePage(c, next) {
      const session = sessionOf(c);
      if (session === undefined) {
        const target = `${c.req.path}${new URL(c.req.url).search}`;
        return c.redirect(`/sign-in${target === '/' ? '' : `?next=${encodeURIComponent(target)}`}`, 303);
      }
      c.set('consoleSession', session);
      await next();
    },
    requireJson: async function requireJson(c, next) {
      const session = sessionOf(c);
      if (session === undefined) {
        throw new HttpError(401, 'sign in to the console first (POST /sign-in)', {
          code: 'unauthenticated',
          field: 'cookie',
        });
      }
      c.set('consoleSession', session);
      await next();
    },
  };
}
