import type { DriftObservation } from './fleet-drift.ts';

/**
 * The fleet view of one check: which observed value most nodes share, and who differs. Pure, so
 * the API and /metrics agree by construction. "Majority" is the most common value (a plurality,
 * not necessarily over half). When two or more values share the top count there is no majority:
 * `majority` is null, `values` lists every value with its count, and no node is an outlier,
 * because nothing says which side drifted.
 */
export interface DriftCheckSummary {
  checkId: string;
  nodeCount: number;
  majority: string | null;
  /** Nodes holding the majority value; null when there is none. */
  majorityNodes: number | null;
  /** Every observed value with its node count, most common first. */
  values: Array<{ observed: string; nodes: number }>;
  outliers: DriftObservation[];
  observations: DriftObservation[];
}

export function summarizeFleetDrift(observations: readonly DriftObservation[]): DriftCheckSummary[] {
  const byCheck = new Map<string, DriftObservation[]>();
  for (const observation of observations) {
    const group = byCheck.get(observation.checkId);
    if (group) {
      group.push(observation);
    } else {
      byCheck.set(observation.checkId, [observation]);
    }
  }
  return [...byCheck.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([checkId, group]) => summarizeCheck(checkId, group));
}

function summarizeCheck(checkId: string, group: DriftObservation[]): DriftCheckSummary {
  const counts = new Map<string, number>();
  for (const { observed } of group) {
    counts.set(observed, (counts.get(observed) ?? 0) + 1);
  }
  const values = [...counts.entries()]
    .map(([observed, nodes]) => ({ observed, nodes }))
    .sort((a, b) => b.nodes - a.nodes || compareText(a.observed, b.observed));
  const [top, runnerUp] = values;
  const majority = top !== undefined && (runnerUp === undefined || runnerUp.nodes < top.nodes) ? top : null;
  const observations = [...group].sort((a, b) => compareText(a.nodeId, b.nodeId));
  return {
    checkId,
    nodeCount: group.length,
    majority: majority?.observed ?? null,
    majorityNodes: majority?.nodes ?? null,
    values,
    outliers: majority === null ? [] : observations.filter((o) => o.observed !== majority.observed),
    observations,
  };
}

/** Code-unit order, so the output does not depend on the host's locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
