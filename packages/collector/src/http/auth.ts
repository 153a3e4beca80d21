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
  /** Throttles addresses that keep presenting wrong tokens (default: 20 per minute). */
  limiter?: FailedAuthLimiter;
  nowMs?: () => number;
}

/** The peer address @hono/node-server exposes; app.request in tests has none. */
function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

export function bearerAuth(options: BearerAuthOptions): MiddlewareHandler {
  const limiter = options.limiter ?? createFailedAuthLimiter();
  const nowMs = options.nowMs ?? Date.now;
  return async function bearerAuthMiddleware(c, next) {
    const address = clientAddress(c);
    const waitSeconds = limiter.blockedFor(address, nowMs());
    if (waitSeconds > 0) {
      c.header('Retry-After', String(waitSeconds));
      throw new HttpError(
        429,
        `too many failed authentications from this address; retry in ${waitSeconds} s`,
        {
          code: 'too_many_auth_failures',
          field: 'authorization',
        },
      );
    }
    const header = c.req.header('authorization');
    if (header === undefined) {
      c.header('WWW-Authenticate', 'Bearer realm="perimeter"');
      throw new HttpError(401, 'missing Authorization: Bearer <token> header', {
        code: 'unauthenticated',
        field: 'authorization',
      });
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match ? options.verifyToken(match[1] as string) : null;
    if (!token) {
      limiter.recordFailure(address, nowMs());
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
