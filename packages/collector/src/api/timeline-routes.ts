import { parseTimeArg } from '@perimeter/schema';
import { Hono } from 'hono';
import { HttpError } from '../http/errors.ts';
import { buildTimeline } from '../replay/build-timeline.ts';
import { renderJsonLines, timelineToJson } from '../replay/render.ts';
import { MAX_WINDOW_MS, NODE_ID_PATTERN, splitNames } from '../replay/replay.ts';
import type { ReplayReader } from '../replay/replay-worker.ts';
import type { Store } from '../store/store.ts';
import { readQueryParams } from './query-params.ts';

/**
 * GET /api/v1/nodes/:id/timeline?from=T&to=T[&format=json|jsonl][&events-only=true][&event=a,b]
 * [&metric=a,b]: the same replay as `perimeter-collector replay`, integrity verdict included
 * (a broken chain is data in the answer, still 200). Mounted behind reader/admin auth in app.ts;
 * every bad parameter is a 400 naming it. Runs on the store's connection, read-only.
 */
export interface TimelineRouteDeps {
  store: Store;
  nowMs: () => number;
  replay: ReplayReader;
}

const NAMES_PATTERN = /^[A-Za-z0-9._,-]{1,1000}$/;

export function timelineRoutes(deps: TimelineRouteDeps): Hono {
  const app = new Hono();
  app.get('/api/v1/nodes/:id/timeline', async (c) => {
    const nodeId = c.req.param('id');
    if (!NODE_ID_PATTERN.test(nodeId)) {
      throw new HttpError(400, 'node id must be letters, digits, ".", "_" or "-" (1 to 128)', {
        code: 'invalid_param',
        field: 'id',
      });
    }
    const now = deps.nowMs();
    const isTime = (value: string) => {
      try {
        return Number.isFinite(parseTimeArg(value, now)) ? null : 'must be a time';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const params = readQueryParams(c.req.queries(), {
      from: isTime,
      to: isTime,
      format: (value) => (value === 'json' || value === 'jsonl' ? null : 'must be json or jsonl'),
      'events-only': (value) => (value === 'true' || value === 'false' ? null : 'must be true or false'),
      event: (value) => (NAMES_PATTERN.test(value) ? null : 'must be event names separated by commas'),
      metric: (value) => (NAMES_PATTERN.test(value) ? null : 'must be metric names separated by commas'),
    });
    for (const name of ['from', 'to'] as const) {
      if (params[name] === undefined) {
        throw new HttpError(400, `query parameter "${name}" is required (RFC 3339, "now" or -1h)`, {
          code: 'invalid_query',
          field: name,
        });
      }
    }
    const fromMs = parseTimeArg(params.from as string, now);
    const toMs = parseTimeArg(params.to as string, now);
    if (!(fromMs < toMs)) {
      throw new HttpError(400, 'query parameter "to" must be after "from"', {
        code: 'invalid_query',
        field: 'to',
      });
    }
    if (toMs - fromMs > MAX_WINDOW_MS) {
      throw new HttpError(400, 'the window from "from" to "to" may span at most 400 days', {
        code: 'invalid_query',
        field: 'from',
      });
    }
    const read = await deps.replay.read({ nodeId, window: { fromMs, toMs }, nowMs: deps.nowMs });
    if (read.kind === 'unknown-node') {
      throw new HttpError(404, `node "${nodeId}" has never sent a batch to this collector`, {
        code: 'not_found',
        field: 'id',
      });
    }
    const timeline = buildTimeline(read.input, {
      eventsOnly: params['events-only'] === 'true',
      events: splitNames(params.event === undefined ? [] : [params.event]),
      metrics: splitNames(params.metric === undefined ? [] : [params.metric]),
    });
    if (params.format === 'jsonl') {
      return c.body(renderJsonLines(timeline), 200, { 'Content-Type': 'application/x-ndjson' });
    }
    return c.json(timelineToJson(timeline));
  });
  return app;
}
