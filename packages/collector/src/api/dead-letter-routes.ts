import { Hono } from 'hono';
import { HttpError } from '../http/errors.ts';
import type { Store } from '../store/store.ts';

/**
 * GET /api/v1/forward/dead-letters (reader or admin) and POST .../dead-letters/:id/retry or
 * .../dead-letters/retry (admin only; every retry request is an audit event).
 */
export function deadLetterRoutes(deps: { store: Store; nowMs: () => number; onRetry?: () => void }): Hono {
  const app = new Hono();
  app.get('/api/v1/forward/dead-letters', (c) =>
    c.json({
      deadLetters: deps.store.forward.listDeadLetters({
        includeResolved: c.req.query('resolved') === 'true',
      }),
    }),
  );
  const retry = (target: { id: number } | 'all', actor: string) => {
    const count = deps.store.forward.requestRetry(target, deps.nowMs());
    deps.store.audit.record({
      atMs: deps.nowMs(),
      actor,
      action: 'forward.retry',
      detail: { target, count },
    });
    deps.onRetry?.();
    return count;
  };
  const requireAdmin = (role: string) => {
    if (role !== 'admin') {
      throw new HttpError(403, 'retrying dead letters needs an admin token', {
        code: 'forbidden_role',
        field: 'authorization',
      });
    }
  };
  app.post('/api/v1/forward/dead-letters/retry', (c) => {
    const token = c.get('token');
    requireAdmin(token.role);
    return c.json({ retryRequested: retry('all', `token:${token.id}`) });
  });
  app.post('/api/v1/forward/dead-letters/:id/retry', (c) => {
    const token = c.get('token');
    requireAdmin(token.role);
    const id = c.req.param('id');
    if (!/^\d+$/.test(id)) {
      throw new HttpError(400, 'dead-letter id must be a number', { code: 'invalid_param', field: 'id' });
    }
    const count = retry({ id: Number(id) }, `token:${token.id}`);
    if (count === 0) {
      throw new HttpError(404, `no open dead letter with id ${id}`, { code: 'not_found', field: 'id' });
    }
    return c.json({ retryRequested: count });
  });
  return app;
}
