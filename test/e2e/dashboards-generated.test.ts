import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildDashboards,
  DATASOURCE_UID,
  metricNamesIn,
  panelQueries,
  renderArtifacts,
} from '../../dashboards/src/index.ts';
import { REPO_ROOT } from '../helpers/processes.ts';

/**
 * The checked-in dashboards are what the TypeScript builds (Grafana loads the JSON, reviewers read
 * the TypeScript: they must not disagree), and every panel is usable by someone on call: a
 * description, a query on the provisioned datasource, unique ids. README links each dashboard.
 */
const DASHBOARDS_DIR = join(REPO_ROOT, 'dashboards');
const REGENERATE = 'run `pnpm dashboards:build` and commit dashboards/json and dashboards/provisioning';

describe('generated dashboards', () => {
  const artifacts = renderArtifacts();

  it('dashboards/json and dashboards/provisioning match what dashboards/src builds', () => {
    const stale: string[] = [];
    for (const [file, text] of artifacts) {
      const path = join(DASHBOARDS_DIR, file);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(`dashboards/${file}`);
    }
    const extra = readdirSync(join(DASHBOARDS_DIR, 'json'))
      .map((name) => `json/${name}`)
      .filter((file) => !artifacts.has(file));
    expect(stale, `stale generated files: ${REGENERATE}`).toEqual([]);
    expect(extra, `files in dashboards/json that no source builds: ${REGENERATE}`).toEqual([]);
  });

  it('every panel has a title, a description and (unless it is text) queries on the provisioned datasource', () => {
    const problems: string[] = [];
    for (const { file, model } of buildDashboards()) {
      const ids = new Set<number>();
      for (const panel of JSON.parse(artifacts.get(file) ?? '{}').panels ?? []) {
        const where = `${model.title} / ${panel.title}`;
        if (ids.has(panel.id)) problems.push(`${where}: duplicate id ${panel.id}`);
        ids.add(panel.id);
        if (panel.type === 'row') continue;
        if (!panel.description && panel.type !== 'text') problems.push(`${where}: no description`);
        if (panel.type === 'text') continue;
        if (!panel.targets?.length) problems.push(`${where}: no query`);
        for (const target of panel.targets ?? []) {
          if (target.datasource?.uid !== DATASOURCE_UID)
            problems.push(`${where}: datasource ${target.datasource?.uid}`);
          if (metricNamesIn(target.expr ?? '').length === 0) problems.push(`${where}: query names no metric`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(buildDashboards().flatMap(({ model }) => panelQueries(model)).length).toBeGreaterThan(60);
  });

  it('provisions the datasource uid the panels use, and a file provider', () => {
    const datasources = parse(artifacts.get('provisioning/datasources.yaml') ?? '');
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ uid: DATASOURCE_UID, type: 'prometheus', access: 'proxy' }),
    ]);
    const providers = parse(artifacts.get('provisioning/dashboards.yaml') ?? '');
    expect(providers.providers[0]).toMatchObject({ type: 'file', options: { path: expect.any(String) } });
  });

  it('reads metric names out of PromQL: not functions, aggregations, keywords, labels, matchers or ranges', () => {
    expect(
      metricNamesIn(
        'sum by (node) (increase(a_total{x="b(c)", y=~"d|e"}[5m] offset 1m)) > on(node, hw_id) group_left(hw_name) b * 2.5e-3 and ignoring(z) c unless max without (q) (time() - d) or topk(3, e)',
      ),
    ).toEqual(['a_total', 'b', 'c', 'd', 'e']);
  });

  it('README links every generated dashboard', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const { file } of buildDashboards()) {
      expect(readme).toContain(`](dashboards/${file})`);
    }
  });
});
