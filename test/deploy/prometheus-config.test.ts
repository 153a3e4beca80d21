import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * deploy/prometheus/prometheus.yml: scrapes the collector's /metrics on its OTLP port (4318),
 * loads perimeter.rules.yml by a path relative to itself, and alerts to Alertmanager on :9093.
 * `promtool check config` also checks each rule file; it runs on a temp copy of the directory,
 * with the generated rules when they exist and an empty group list when they do not yet.
 */

const DIR = resolve(import.meta.dirname, '../../deploy/prometheus');
const promtool = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin']
  .map((dir) => join(dir, 'promtool'))
  .find((path) => path.startsWith('/') && existsSync(path));
const noPromtool = 'promtool not installed (Debian: apt-get install -y prometheus)';
if (promtool === undefined) console.warn(`prometheus-config.test.ts: ${noPromtool}; skipped`);

interface PrometheusConfig {
  global: { scrape_interval: string };
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: {
    job_name: string;
    scrape_interval?: string;
    metrics_path?: string;
    scheme?: string;
    tls_config?: { ca_file?: string };
    authorization?: { type?: string; credentials_file?: string };
    static_configs: { targets: string[] }[];
  }[];
}

const config = parse(readFileSync(join(DIR, 'prometheus.yml'), 'utf8')) as PrometheusConfig;

describe('deploy/prometheus/prometheus.yml', () => {
  it('scrapes the collector /metrics on 4318 every 15s as job perimeter-collector', () => {
    const job = config.scrape_configs.find((c) => c.job_name === 'perimeter-collector');
    expect(job).toBeDefined();
    expect(job?.scrape_interval ?? config.global.scrape_interval).toBe('15s');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(job?.static_configs.flatMap((s) => s.targets)).toEqual(['localhost:4318']);
  });

  it('scrapes over https trusting the lab CA, with a reader token from a file beside it', () => {
    const job = config.scrape_configs.find((c) => c.job_name === 'perimeter-collector');
    expect(job?.authorization).toEqual({ type: 'Bearer', credentials_file: 'perimeter/reader.token' });
    expect(job?.scheme).toBe('https');
    expect(job?.tls_config).toEqual({ ca_file: 'perimeter/ca.pem' });
  });

  it('loads the generated rules by a relative path and alerts to localhost:9093', () => {
    expect(config.rule_files).toEqual(['perimeter.rules.yml']);
    expect(config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual([
      'localhost:9093',
    ]);
  });

  it.skipIf(promtool === undefined)(
    `passes promtool check config, rule files included${promtool === undefined ? ` (skipped: ${noPromtool})` : ''}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'perimeter-prometheus-'));
      copyFileSync(join(DIR, 'prometheus.yml'), join(dir, 'prometheus.yml'));
      // promtool checks that the files the scrape reads exist: stand-ins where an install puts them.
      mkdirSync(join(dir, 'perimeter'));
      writeFileSync(join(dir, 'perimeter/reader.token'), 'pmt_0123456789abcdef_stand-in\n');
      writeFileSync(join(dir, 'perimeter/ca.pem'), '');
      const rules = join(DIR, 'perimeter.rules.yml');
      if (existsSync(rules)) copyFileSync(rules, join(dir, 'perimeter.rules.yml'));
      else writeFileSync(join(dir, 'perimeter.rules.yml'), 'groups: []\n');
      const result = spawnSync(promtool ?? 'promtool', ['check', 'config', join(dir, 'prometheus.yml')], {
        encoding: 'utf8',
      });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
      expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS: 1 rule files found/);
    },
  );
});
