import {
  buildDashboards,
  type PanelQuery,
  panelQueries,
  substituteVariables,
} from '../../dashboards/src/index.ts';
import { type PromQueryApi, resultSize } from './prometheus-process.ts';

/** Every panel query of every dashboard in dashboards/ (as built from the TypeScript sources). */
export function allPanelQueries(): PanelQuery[] {
  return buildDashboards().flatMap(({ model }) => panelQueries(model));
}

/** Grafana's interval variables, sized for a test that has scraped for ~15 s at 1 s. */
export const TEST_VARIABLES = { __rate_interval: '30s', __interval: '2s', __range: '1m', __range_s: '60' };

export interface QueryProof {
  /** `dashboard / panel (ref) → the nodes (or "(fleet)") that answered`. */
  proven: string[];
  /** A query that does not run, or that `mustAnswer` says answered too little. */
  failures: string[];
}

/**
 * Runs every panel query with its template variables substituted ($node: each of `nodes` in
 * turn) over the last 20 s. `mustAnswer(query, answered)` judges the nodes that returned data
 * (default: at least one); a query that does not run is always a failure.
 */
export async function proveQueries(
  api: PromQueryApi,
  queries: readonly PanelQuery[],
  nodes: readonly string[],
  mustAnswer: (query: PanelQuery, answered: string[]) => string | null = (_query, answered) =>
    answered.length > 0 ? null : 'no data',
): Promise<QueryProof> {
  const end = Date.now() / 1000;
  const failures: string[] = [];
  const proven: string[] = [];
  for (const query of queries) {
    const perNode = query.expr.includes('$node');
    const answered: string[] = [];
    let broken = false;
    for (const node of perNode ? nodes : ['']) {
      const expr = substituteVariables(query.expr, { ...TEST_VARIABLES, node });
      const answer = query.instant
        ? await api.query(expr, end)
        : await api.queryRange(expr, end - 20, end, 1);
      if (answer.status !== 'success') {
        failures.push(
          `${queryLabel(query)}: does not run: ${answer.errorType}: ${answer.error}\n    ${expr}`,
        );
        broken = true;
        break;
      }
      if (resultSize(answer) > 0) answered.push(node || '(fleet)');
    }
    if (broken) continue;
    const verdict = mustAnswer(query, answered);
    if (verdict === null) {
      proven.push(`${queryLabel(query)} → ${answered.join(', ')}`);
    } else {
      failures.push(`${queryLabel(query)}: ${verdict}\n    ${query.expr}`);
    }
  }
  return { proven, failures };
}

export function queryLabel(query: PanelQuery): string {
  return `${query.dashboard} / ${query.panel} (${query.refId})`;
}
