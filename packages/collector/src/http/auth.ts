import type { Context, MiddlewareHandler } from 'hono';
import type { TokenRole, VerifiedToken } from '../tokens/token-store.ts';
import { createFailedAuthLimiter, type FailedAuthLimiter } from './auth-limiter.ts';
import { HttpError } from './errors.ts';

/**
 * Bearer-token authentication with a role check. The verified token is put on the context
 * (`c.get('token')`), so routes never parse headers themselves. Nothing about the presented
 * token is logged.
 */
declare module 'hono' {
  interface ContextVariableMap {
    token: VerifiedToken;
  }
}

export interface BearerAuthOptions {
  verifyToken: (presented: string) => VerifiedToken | null;
  roles: readonly TokenRole[];
  /** Throttles an (address, token id) that keeps failing (default: 20 per minute). */
  limiter?: FailedAuthLimiter;
  nowMs?: () => number;
}

/** The peer address @hono/node-server exposes; app.request in tests has none. */
function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

/** The public id of a presented `pmt_<id>_<secret>` token; every malformed token shares one key. */
function presentedTokenId(presented: string | undefined): string {
  return /^pmt_([0-9a-f]{16})_/.exec(presented ?? '')?.[1] ?? 'malformed';
}

export function bearerAuth(options: BearerAuthOptions): MiddlewareHandler {
  const limiter = options.limiter ?? createFailedAuthLimiter();
  const nowMs = options.nowMs ?? Date.now;
  return async function bearerAuthMiddleware(c, next) {
    const header = c.req.header('authorization');
    if (header === undefined) {
      c.header('WWW-Authenticate', 'Bearer realm="perimeter"');
      throw new HttpError(401, 'missing Authorization: Bearer <token> header', {
        code: 'unauthenticated',
        field: 'authorization',
      });
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const token = presented === undefined ? null : options.verifyToken(presented);
    if (!token) {
      // Counted per (address, token id), never per address alone: behind one NAT, agents holding
      // revoked tokens must not lock out a colleague whose token is good. A valid token is checked
      // first and never refused here; the secrets are 256 random bits, so there is no guessing to
      // slow down, only a misbehaving client to push back with Retry-After.
      const key = `${clientAddress(c)} ${presentedTokenId(presented)}`;
      const now = nowMs();
      const waitSeconds = limiter.blockedFor(key, now);
      limiter.recordFailure(key, now);
      if (waitSeconds > 0) {
        c.header('Retry-After', String(waitSeconds));
        throw new HttpError(
          429,
          `too many failed authentications with this token from this address; retry in ${waitSeconds} s`,
          { code: 'too_many_auth_failures', field: 'authorization' },
        );
      }
      c.header('WWW-Authenticate', 'Bearer realm="perimeter", error="invalid_token"');
      throw new HttpError(401, 'token is unknown, malformed or revoked', {
        code: 'invalid_token',
        field: 'authorization',
      });
    }
    if (!options.roles.includes(token.role)) {
      throw new HttpError(
        403,
        `a ${token.role} token may not use this endpoint (needs ${options.roles.join(' or ')})`,
        {
          code: 'forbidden_role',
          field: 'authorization',
        },
      );
    }
    c.set('token', token);
    await next();
  };
}
