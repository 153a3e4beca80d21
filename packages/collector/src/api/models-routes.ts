import { Hono } from 'hono';
import { type ModelEntry, readModelInventory } from '../derive/model-inventory.ts';
import type { Store } from '../store/store.ts';
import { readQueryParams } from './query-params.ts';

/**
 * GET /api/v1/models[?node=ID][&name=NAME:TAG]: every node × model × weights digest the agents
 * last reported, and per model name the digest most of the fleet holds and the nodes that differ
 * (majority and ties as in /api/v1/drift). Mounted behind reader/admin auth in app.ts.
 */
export interface ModelsRouteDeps {
  store: Store;
}

const MAX_PARAM_CHARS = 512;
const boundedText = (value: string) =>
  value.length >= 1 && value.length <= MAX_PARAM_CHARS ? null : `must be 1 to ${MAX_PARAM_CHARS} characters`;

export function modelsRoutes(deps: ModelsRouteDeps): Hono {
  const app = new Hono();
  app.get('/api/v1/models', (c) => {
    const params = readQueryParams(c.req.queries(), { node: boundedText, name: boundedText });
    const inventory = readModelInventory(deps.store);
    const node = params['node'];
    const name = params['name'];
    return c.json({
      models: inventory.models
        .filter((m) => (node === undefined || m.nodeId === node) && (name === undefined || m.name === name))
        .map(renderModel),
      fleet: inventory.fleet
        .filter((f) => name === undefined || f.name === name)
        .map((f) => ({
          name: f.name,
          nodeCount: f.nodeCount,
          majority: f.majority,
          majorityNodes: f.majorityNodes,
          digests: f.digests,
          outliers: f.outliers.map((o) => ({ node: o.nodeId, digest: o.digest })),
        })),
    });
  });
  return app;
}

function renderModel(model: ModelEntry) {
  const { nodeId, firstSeenMs, lastSeenMs, integrity, ...rest } = model;
  return {
    node: nodeId,
    ...rest,
    firstSeen: new Date(firstSeenMs).toISOString(),
    lastSeen: new Date(lastSeenMs).toISOString(),
    integrity:
      integrity.verdict === 'ok'
        ? integrity
        : {
            verdict: integrity.verdict,
            at: new Date(integrity.atMs).toISOString(),
            expected: integrity.expected,
            observed: integrity.observed,
            path: integrity.path,
          },
  };
}
