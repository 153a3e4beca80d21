import { Hono } from 'hono';
import type { Store } from '../store/store.ts';
import { readQueryParams } from './query-params.ts';

/**
 * GET /api/v1/alerts (reader or admin): the alerts the engine holds now (pending, firing, and
 * resolved ones still being re-sent), newest state changes first, and the latest notification
 * attempts. Read from the store, so it answers the same before and after a restart.
 */
export function alertsRoutes(deps: { store: Store }): Hono {
  const app = new Hono();
  const alerts = deps.store.alerts;
  app.get('/api/v1/alerts', (c) => {
    const query = readQueryParams(c.req.queries(), {
      alertname: (v) => (v.length > 0 ? null : 'must not be empty'),
      limit: (v) => (/^\d{1,5}$/.test(v) && Number(v) > 0 ? null : 'must be a whole number from 1 to 99999'),
    });
    const limit = Number(query['limit'] ?? 100);
    const name = query['alertname'];
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const active = alerts
      .loadStates()
      .filter((a) => name === undefined || a.name === name)
      .sort((a, b) => a.activeAtMs - b.activeAtMs)
      .map((a) => ({
        name: a.name,
        fingerprint: a.fingerprint,
        state: a.state === 'inactive' ? 'resolved' : a.state,
        labels: a.labels,
        annotations: a.annotations,
        value: a.value,
        activeAt: iso(a.activeAtMs),
        firedAt: iso(a.firedAtMs),
        resolvedAt: iso(a.resolvedAtMs),
        lastSentAt: iso(a.lastSentAtMs),
      }));
    const history = alerts
      .history(limit)
      .filter((h) => name === undefined || h.name === name)
      .map((h) => ({ ...h, at: iso(h.atMs), to: h.to === 'inactive' ? 'resolved' : h.to }));
    const notifications = alerts.notifications(limit).map((n) => ({ ...n, at: iso(n.atMs) }));
    return c.json({ active, history, notifications });
  });
  return app;
}
