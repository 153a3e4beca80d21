import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { VerifiedToken } from '../tokens/token-store.ts';
import type { ConsoleAssets } from './assets.ts';
import { safeNext } from './console-security.ts';
import { renderSignIn } from './pages/sign-in.ts';
import { cookieIsSecure, type SessionGates, sessionCookieName } from './session-gates.ts';
import { SESSION_MAX_AGE_MS, type SessionStore } from './session-store.ts';
import type { SignInAudit } from './sign-in-audit.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';

/**
 * Signing in and out. Sign-in takes a reader or admin token once and answers with an HttpOnly,
 * SameSite=Strict cookie holding an opaque session id; node tokens are refused. Over TLS, or behind
 * a TLS-terminating proxy (`console.secureCookies`), the cookie is Secure and named `__Host-…`.
 * Failed attempts are limited per (client address, token id) (sign-in-limiter.ts), and every attempt and
 * sign-out is an audit row (sign-in-audit.ts).
 */
export interface SignInDeps {
  assets: ConsoleAssets;
  sessions: SessionStore;
  gates: SessionGates;
  limiter: SignInLimiter;
  audit: SignInAudit;
  verifyToken: (presented: string) => VerifiedToken | null;
  clientAddress: (c: Context) => string;
  /** `console.secureCookies`: Secure cookies even when the request itself is plain HTTP. */
  secureCookies?: boolean;
}

const CONSOLE_ROLES = new Set(['reader', 'admin']);

export function signInRoutes(deps: SignInDeps): Hono {
  const { assets, sessions, gates, limiter, audit } = deps;
  const secureCookies = deps.secureCookies ?? false;
  const app = new Hono();

  app.get('/sign-in', (c) => {
    if (gates.sessionOf(c) !== undefined) {
      return c.redirect(safeNext(c.req.query('next')), 303);
    }
    return c.html(renderSignIn(assets, { next: safeNext(c.req.query('next')) }));
  });

  app.post('/sign-in', async (c) => {
    const address = deps.clientAddress(c);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const presented = typeof form['token'] === 'string' ? form['token'].trim() : '';
    const next = safeNext(typeof form['next'] === 'string' ? form['next'] : undefined);
    const tokenId = /^pmt_([0-9a-f]{16})_/.exec(presented)?.[1] ?? null;
    // Failures count per (address, token id), as on the API: guesses at one token's secret are
    // slowed, while behind one NAT address a colleague's typos never lock out a good token.
    const limitKey = `${address} ${tokenId ?? '-'}`;
    const verdict = limiter.check(limitKey);
    if (verdict.kind === 'limited') {
      audit.rateLimited(address, verdict.retryAfterSeconds);
      c.header('Retry-After', String(verdict.retryAfterSeconds));
      return c.html(
        renderSignIn(assets, {
          message: `Too many failed sign-ins from this address; try again in ${verdict.retryAfterSeconds} s.`,
        }),
        429,
      );
    }
    const token = presented === '' ? null : deps.verifyToken(presented);
    if (token === null || !CONSOLE_ROLES.has(token.role)) {
      limiter.recordFailure(limitKey);
      const outcome = token === null ? 'failure' : 'refused_role';
      audit.attempt(address, `console:${address}`, outcome, { tokenId, role: token?.role ?? null });
      const message =
        token === null
          ? 'That token is unknown, malformed or revoked.'
          : `A ${token.role} token cannot open the console; use a reader or admin token.`;
      return c.html(renderSignIn(assets, { message, next }), token === null ? 401 : 403);
    }
    const session = sessions.create(token);
    audit.attempt(address, `token:${token.id}`, 'success', {
      tokenId: token.id,
      role: token.role,
      subject: token.nodeId,
    });
    setCookie(c, sessionCookieName(c, secureCookies), session.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: cookieIsSecure(c, secureCookies),
      maxAge: Math.floor(SESSION_MAX_AGE_MS / 1000),
    });
    return c.redirect(next, 303);
  });

  app.post('/sign-out', (c) => {
    const session = gates.sessionOf(c);
    if (session !== undefined) {
      sessions.delete(session.id);
      audit.signOut(deps.clientAddress(c), session.tokenId);
    }
    deleteCookie(c, sessionCookieName(c, secureCookies), {
      path: '/',
      secure: cookieIsSecure(c, secureCookies),
    });
    return c.redirect('/sign-in', 303);
  });

  return app;
}
