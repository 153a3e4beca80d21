import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDurationMs } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { compilePrometheusRuleFile } from './compile-promql.ts';
import { evaluateRule } from './evaluate.ts';
import { DEFAULT_RULES_FILE, loadRuleFiles } from './load-rules.ts';
import { ruleKey } from './rule-model.ts';
import { exportHeader, REGENERATE_COMMAND } from './rules-command.ts';
import { createMemorySource } from './series-source.ts';
import { type AlertInstance, stepRule } from './state.ts';

/**
 * The embedded engine against Prometheus: the default pack compiled to PromQL, the promtool test
 * files in deploy/prometheus/promtool-tests run by promtool, and the same input series fed to the
 * engine, which must report the same firing alerts (labels and annotations) at the same times.
 */
const REPO = join(dirname(DEFAULT_RULES_FILE), '..', '..');
const GENERATED = join(REPO, 'deploy/prometheus/perimeter.rules.yml');
const TESTS_DIR = join(REPO, 'deploy/prometheus/promtool-tests');
const testFiles = readdirSync(TESTS_DIR).filter((f) => f.endsWith('.test.yml'));
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

interface PromtoolTestFile {
  evaluation_interval?: string;
  tests: Array<{
    interval?: string;
    input_series: Array<{ series: string; values: string }>;
    alert_rule_test: Array<{
      eval_time: string;
      alertname: string;
      exp_alerts: Array<{ exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }>;
    }>;
  }>;
}

/** promtool's expanding notation: `1 2 _ 3`, `0+5x10`, `1-1x3`, `7x4`, `_x3`. */
export function expandValues(text: string): Array<number | null> {
  const out: Array<number | null> = [];
  for (const token of text.trim().split(/\s+/)) {
    const blank = /^_(?:x(\d+))?$/.exec(token);
    if (blank) {
      for (let i = 0; i < (blank[1] === undefined ? 1 : Number(blank[1])); i++) {
        out.push(null);
      }
      continue;
    }
    const series = /^(-?[\d.e+]+?)(?:([+-])([\d.e]+))?x(\d+)$/.exec(token);
    if (series) {
      const start = Number(series[1]);
      const step = series[3] === undefined ? 0 : Number(series[3]) * (series[2] === '-' ? -1 : 1);
      for (let i = 0; i <= Number(series[4]); i++) {
        out.push(start + step * i);
      }
      continue;
    }
    out.push(Number(token));
  }
  return out;
}

function parseSeries(text: string): { metric: string; labels: Record<string, string> } {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(text.trim());
  if (!match) {
    throw new Error(`cannot parse series ${text}`);
  }
  const labels: Record<string, string> = {};
  for (const m of (match[2] ?? '').matchAll(/(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) {
    labels[m[1] as string] = JSON.parse(`"${m[2]}"`) as string;
  }
  return { metric: match[1] as string, labels };
}

describe('the default rule pack against Prometheus', () => {
  const ruleSet = loadRuleFiles([DEFAULT_RULES_FILE]);

  it('keeps deploy/prometheus/perimeter.rules.yml equal to a fresh export of the default pack', () => {
    const fresh = compilePrometheusRuleFile(ruleSet, exportHeader(['deploy/rules/perimeter.rules.yaml']));
    const checkedIn = readFileSync(GENERATED, 'utf8');
    expect(
      checkedIn === fresh,
      `deploy/prometheus/perimeter.rules.yml is stale; regenerate it with:\n  ${REGENERATE_COMMAND}`,
    ).toBe(true);
  });

  it('has a promtool test file for every alert name in the pack', () => {
    const names = new Set(ruleSet.rules.map((r) => r.name));
    expect(new Set(testFiles.map((f) => f.replace(/\.test\.yml$/, '')))).toEqual(names);
  });

  it.skipIf(!hasPromtool)('passes promtool check rules and promtool test rules', () => {
    execFileSync('promtool', ['check', 'rules', GENERATED], { stdio: 'pipe' });
    const result = spawnSync('promtool', ['test', 'rules', ...testFiles], {
      cwd: TESTS_DIR,
      encoding: 'utf8',
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
  if (!hasPromtool) {
    it.skip('promtool is not installed (Debian package prometheus): skipping the promtool half', () => {});
  }

  for (const file of testFiles) {
    it(`gives the same firing alerts as promtool expects in ${file}`, () => {
      const doc = parseYaml(readFileSync(join(TESTS_DIR, file), 'utf8')) as PromtoolTestFile;
      const evalInterval = parseDurationMs(doc.evaluation_interval ?? '1m');
      for (const test of doc.tests) {
        const interval = parseDurationMs(test.interval ?? '1m');
        const source = createMemorySource();
        for (const input of test.input_series) {
          const { metric, labels } = parseSeries(input.series);
          const times: number[] = [];
          const values: number[] = [];
          expandValues(input.values).forEach((value, i) => {
            if (value !== null) {
              times.push(i * interval);
              values.push(value);
            }
          });
          source.add(metric, labels, times, values);
        }
        const checks = [...test.alert_rule_test].sort(
          (a, b) => parseDurationMs(a.eval_time) - parseDurationMs(b.eval_time),
        );
        const states = new Map(
          ruleSet.rules.map((rule) => [ruleKey(rule), new Map<string, AlertInstance>()]),
        );
        let t = 0;
        for (const check of checks) {
          const at = parseDurationMs(check.eval_time);
          for (; t <= at; t += evalInterval) {
            for (const rule of ruleSet.rules) {
              stepRule(
                rule,
                states.get(ruleKey(rule)) as Map<string, AlertInstance>,
                evaluateRule(rule, source, t),
                t,
              );
            }
          }
          const firing = [...states.values()]
            .flatMap((m) => [...m.values()])
            .filter((a) => a.name === check.alertname && a.state === 'firing')
            .map((a) => {
              const { alertname: _name, ...labels } = a.labels;
              return { labels, annotations: a.annotations };
            });
          const expected = check.exp_alerts.map((e) => ({
            labels: e.exp_labels ?? {},
            annotations: e.exp_annotations ?? {},
          }));
          const order = (x: { labels: Record<string, string> }) => JSON.stringify(x.labels);
          expect(
            firing.sort((a, b) => order(a).localeCompare(order(b))),
            `${check.alertname} at ${check.eval_time}`,
          ).toEqual(expected.sort((a, b) => order(a).localeCompare(order(b))));
        }
      }
    });
  }
});
