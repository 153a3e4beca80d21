import { AttributeNames, MetricNames } from '@perimeter/schema';
import { Hono } from 'hono';
import type { DriftObservation } from '../derive/fleet-drift.ts';
import { type DriftCheckSummary, summarizeFleetDrift } from '../derive/fleet-drift-summary.ts';
import type { Store } from '../store/store.ts';
import { readQueryParams } from './query-params.ts';

/**
 * GET /api/v1/drift[?check=ID]: per check, the value most of the fleet observes and the nodes that
 * differ (see fleet-drift-summary.ts for majority and ties). Pass/fail comes from each node's
 * newest `perimeter.drift.check` sample (1 pass, 0 fail), null when none has arrived. Mounted
 * behind reader/admin auth in app.ts.
 */
export interface DriftRouteDeps {
  store: Store;
}

const MAX_CHECK_ID_CHARS = 200;

export function driftRoutes(deps: DriftRouteDeps): Hono {
  const app = new Hono();
  app.get('/api/v1/drift', (c) => {
    const params = readQueryParams(c.req.queries(), {
      check: (value) =>
        value.length >= 1 && value.length <= MAX_CHECK_ID_CHARS
          ? null
          : `must be a check id of 1 to ${MAX_CHECK_ID_CHARS} characters`,
    });
    const results = readCheckResults(deps.store);
    const checks = summarizeFleetDrift(deps.store.derived.driftObservations(params['check']));
    return c.json({ checks: checks.map((check) => renderCheck(check, results)) });
  });
  return app;
}

interface CheckResult {
  pass: boolean | null;
  tsMs: number;
}

function renderCheck(check: DriftCheckSummary, results: ReadonlyMap<string, CheckResult>) {
  const nodeView = (observation: DriftObservation) => ({
    node: observation.nodeId,
    observed: observation.observed,
    expected: observation.expected,
    since: new Date(observation.observedSinceMs).toISOString(),
  });
  return {
    checkId: check.checkId,
    nodeCount: check.nodeCount,
    majority: check.majority,
    majorityNodes: check.majorityNodes,
    values: check.values,
    outliers: check.outliers.map(nodeView),
    nodes: check.observations.map((observation) => {
      const result = results.get(resultKey(observation.nodeId, check.checkId));
      return {
        ...nodeView(observation),
        controls: observation.controls,
        pass: result?.pass ?? null,
        passAt: result ? new Date(result.tsMs).toISOString() : null,
      };
    }),
  };
}

/** The newest drift-check sample per (node, check), from the in-memory latest values. */
function readCheckResults(store: Store): Map<string, CheckResult> {
  const results = new Map<string, CheckResult>();
  for (const series of store.series.all()) {
    const checkId = series.attributes[AttributeNames.checkId];
    if (series.metric !== MetricNames.driftCheck || typeof checkId !== 'string') {
      continue;
    }
    const sample = store.latest.get(series.id);
    const key = resultKey(series.nodeId, checkId);
    if (sample === undefined || (results.get(key)?.tsMs ?? -Infinity) > sample.tsMs) {
      continue;
    }
    results.set(key, {
      pass: sample.value === 1 ? true : sample.value === 0 ? false : null,
      tsMs: sample.tsMs,
    });
  }
  return results;
}

function resultKey(nodeId: string, checkId: string): string {
  return `${nodeId}\u0000${checkId}`;
}
