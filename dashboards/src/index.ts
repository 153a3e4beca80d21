import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { buildCollectorHealth } from './collector-health.ts';
import { buildFleetOverview } from './fleet-overview.ts';
import { buildInference } from './inference.ts';
import { buildNodeDetail } from './node-detail.ts';
import { dashboardProviderYaml, datasourceYaml } from './provisioning.ts';
import { buildSecurityCompliance } from './security-compliance.ts';

/**
 * Every generated artifact, by path relative to dashboards/: the dashboards as Grafana JSON
 * (the bare model file provisioning loads) and the two provisioning files. `pnpm dashboards:build`
 * writes them; the e2e test compares them with what is checked in.
 */
export interface GeneratedDashboard {
  file: string;
  /** One sentence: the question it answers (README lists the same). */
  answers: string;
  model: dashboard.Dashboard;
}

export function buildDashboards(): GeneratedDashboard[] {
  return [
    {
      file: 'json/fleet-overview.json',
      answers: 'Is every node reporting, and is anything hot, pinned, attacked, drifted or firing right now?',
      model: buildFleetOverview(),
    },
    {
      file: 'json/node-detail.json',
      answers:
        'What is this one node doing: sensors against their limits, fans, thermal pressure, GPU, power, CPU/memory/disk, logins, drift and its agent?',
      model: buildNodeDetail(),
    },
    {
      file: 'json/security-compliance.json',
      answers:
        'Who is failing to log in where, which nodes differ from their baseline (and which SOC 2 / ISO 27001 controls that touches), and who is using bad tokens?',
      model: buildSecurityCompliance(),
    },
    {
      file: 'json/collector-health.json',
      answers:
        'Is the pipe intact: ingest and rejects, sequence gaps, forward lag, queues, dead letters and drops?',
      model: buildCollectorHealth(),
    },
    {
      file: 'json/inference.json',
      answers:
        'Who is the AI serving and refusing, how many tokens and how fast, and which models (which weights) sit on which node?',
      model: buildInference(),
    },
  ];
}

export function renderArtifacts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const { file, model } of buildDashboards()) {
    files.set(file, `${JSON.stringify(finalize(model), null, 2)}\n`);
  }
  files.set('provisioning/dashboards.yaml', dashboardProviderYaml());
  files.set('provisioning/datasources.yaml', datasourceYaml());
  return files;
}

export { COLLECTOR_JOB, Prom, PrometheusOwn } from './metric-names.ts';
export type { PanelQuery } from './queries.ts';
export { metricNamesIn, panelQueries, substituteVariables } from './queries.ts';

/**
 * What the SDK leaves to the caller: unique panel ids (Grafana keys edit, view and links on
 * them; the builder leaves them unset, rows at 0) and empty lists where it writes `{}`.
 */
function finalize(model: dashboard.Dashboard): dashboard.Dashboard {
  let nextId = 1;
  const panels = (model.panels ?? []).map((panel) => ({ ...panel, id: nextId++ }));
  return {
    ...model,
    panels,
    templating: { list: model.templating?.list ?? [] },
    annotations: { list: model.annotations?.list ?? [] },
  };
}

export { DATASOURCE_UID } from './panels.ts';
