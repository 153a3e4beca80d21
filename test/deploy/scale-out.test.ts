import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { collectorConfigSchema, validateConfig } from '@perimeter/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rulesForVmalert, victoriaMetricsMissing } from '../helpers/victoria-metrics-process.ts';

/**
 * deploy/scale-out: each file checked by its own tool where the tool is installed here
 * (victoria-metrics and vmalert from Debian `victoria-metrics`, promtool from `prometheus`, the
 * collector's own config schema), the rest (compose, Mimir, Loki, otelcol) by their shape.
 */
const DIR = resolve(import.meta.dirname, '../../deploy/scale-out');
const RULES = resolve(import.meta.dirname, '../../deploy/prometheus/perimeter.rules.yml');
const LAB_CA = resolve(import.meta.dirname, '../../deploy/tls/make-lab-ca.sh');
const read = (file: string) => readFileSync(join(DIR, file), 'utf8');
const yaml = <T>(file: string) => parse(read(file)) as T;
/** An `.args` file: one flag per line, `#` comments. */
const flagsOf = (file: string) =>
  read(file)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

const vmMissing = victoriaMetricsMissing();
if (vmMissing !== null) console.warn(`scale-out.test.ts: ${vmMissing}`);
const promtoolMissing = spawnSync('promtool', ['--version']).status !== 0;
if (promtoolMissing)
  console.warn('scale-out.test.ts: promtool not installed (apt-get install prometheus); skipped');

const scratch = mkdtempSync(join(tmpdir(), 'perimeter-scale-out-deploy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A scrape config copied into the scratch directory with what its relative paths name where an
 * install puts them: perimeter/reader.token and perimeter/ca.pem (a real CA from
 * deploy/tls/make-lab-ca.sh: VictoriaMetrics reads it).
 */
function staged(file: string): string {
  const dir = mkdtempSync(join(scratch, 'staged-'));
  mkdirSync(join(dir, 'perimeter'));
  writeFileSync(join(dir, 'perimeter/reader.token'), 'pmt_0123456789abcdef_stand-in\n');
  const made = spawnSync('bash', [LAB_CA, join(dir, 'lab')], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make-lab-ca.sh failed: ${made.stderr}`);
  copyFileSync(join(dir, 'lab/ca.pem'), join(dir, 'perimeter/ca.pem'));
  const target = join(dir, basename(file));
  copyFileSync(join(DIR, file), target);
  return target;
}

function run(binary: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(binary, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the collector configs', () => {
  for (const file of ['collector-victoria-metrics.yaml', 'collector-grafana.yaml']) {
    it(`${file} passes the collector's config schema, with evaluation on and no notifier`, () => {
      const config = validateConfig(collectorConfigSchema, yaml(file), file);
      expect(config.forward.length).toBeGreaterThan(0);
      expect(config.alerting?.alertmanager).toEqual([]);
      expect(config.alerting?.webhooks).toEqual([]);
    });
  }
});

describe.skipIf(vmMissing !== null)('VictoriaMetrics files, by the installed binaries', () => {
  it('single.args and scrape.yml: victoria-metrics knows every flag and accepts the scrape config', () => {
    const flags = flagsOf('victoria-metrics/single.args').filter(
      (flag) => !flag.startsWith('-storageDataPath=') && !flag.startsWith('-promscrape.config='),
    );
    const result = run('victoria-metrics', [
      ...flags,
      `-storageDataPath=${join(scratch, 'vm')}`,
      `-promscrape.config=${staged('victoria-metrics/scrape.yml')}`,
      '-promscrape.config.dryRun',
    ]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('-promscrape.config is ok');
  });

  it('scrape.yml asks each collector for its own series only', () => {
    const { scrape_configs } = yaml<{ scrape_configs: Array<Record<string, unknown>> }>(
      'victoria-metrics/scrape.yml',
    );
    expect(scrape_configs[0]).toMatchObject({
      params: { nodes: ['false'] },
      honor_labels: true,
      scheme: 'https',
      authorization: { credentials_file: 'perimeter/reader.token' },
    });
  });

  it('vmalert.args: vmalert -dryRun with these flags loads the whole rule pack', () => {
    const rules = join(scratch, 'perimeter.rules.yml');
    writeFileSync(rules, rulesForVmalert(readFileSync(RULES, 'utf8')));
    const flags = flagsOf('victoria-metrics/vmalert.args').filter((flag) => !flag.startsWith('-rule='));
    const result = run('vmalert', [...flags, `-rule=${rules}`, '-dryRun']);
    expect(result.status, result.output).toBe(0);
    // A typo'd flag is refused: the check has teeth.
    expect(
      run('vmalert', [...flags, `-rule=${rules}`, '-dryRun', '-evaluationIntervall=1s']).status,
    ).not.toBe(0);
  });
});

describe.skipIf(promtoolMissing)('Prometheus-format files, by promtool', () => {
  it('mimir/prometheus-agent.yml is a valid agent config that scrapes own series into Mimir', () => {
    const result = run('promtool', ['check', 'config', '--agent', staged('mimir/prometheus-agent.yml')]);
    expect(result.status, result.output).toBe(0);
    const config = yaml<{
      scrape_configs: Array<Record<string, unknown>>;
      remote_write: Array<{ url: string }>;
    }>('mimir/prometheus-agent.yml');
    expect(config.scrape_configs[0]).toMatchObject({
      params: { nodes: ['false'] },
      scheme: 'https',
      authorization: { credentials_file: 'perimeter/reader.token' },
    });
    expect(config.remote_write[0]?.url).toMatch(/\/api\/v1\/push$/);
  });
});

describe('files without a tool here, by shape', () => {
  it('cluster.yml: vmstorage replicated, vminsert and vmselect on every storage node, vmalert on the pack', () => {
    const { services } = yaml<{ services: Record<string, { image: string; command: string[] }> }>(
      'victoria-metrics/cluster.yml',
    );
    const storage = Object.keys(services).filter((name) => name.startsWith('vmstorage'));
    expect(storage.length).toBeGreaterThanOrEqual(2);
    for (const [role, port] of [
      ['vminsert', 8400],
      ['vmselect', 8401],
    ] as const) {
      const command = services[role]?.command ?? [];
      expect(command.filter((flag) => flag.startsWith('-storageNode='))).toEqual(
        storage.map((name) => `-storageNode=${name}:${port}`),
      );
      expect(command).toContain(`-replicationFactor=${storage.length}`);
    }
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toMatch(
        /^victoriametrics\/(vmstorage|vminsert|vmselect|vmagent|vmalert):v\d/,
      );
    }
    expect(services['vmalert']?.command).toContain('-rule=/etc/vm/perimeter.rules.yml');
  });

  it('mimir.yaml: monolithic with the ruler sending to Alertmanager and out-of-order backlog accepted', () => {
    const config = yaml<Record<string, Record<string, unknown>>>('mimir/mimir.yaml');
    expect(config['target']).toBe('all');
    expect(config['ruler']?.['alertmanager_url']).toMatch(/^http/);
    expect(config['limits']?.['out_of_order_time_window']).toBeDefined();
  });

  it('loki.yaml: OTLP ingestion with structured metadata (schema v13) and one stream per node', () => {
    const config = yaml<{
      schema_config: { configs: Array<{ schema: string; store: string }> };
      limits_config: {
        allow_structured_metadata: boolean;
        otlp_config: {
          resource_attributes: { attributes_config: Array<{ action: string; attributes: string[] }> };
        };
      };
    }>('loki/loki.yaml');
    expect(config.schema_config.configs.at(-1)).toMatchObject({ schema: 'v13', store: 'tsdb' });
    expect(config.limits_config.allow_structured_metadata).toBe(true);
    expect(config.limits_config.otlp_config.resource_attributes.attributes_config).toContainEqual({
      action: 'index_label',
      attributes: ['perimeter.node.id'],
    });
  });

  it('otel-gateway-mimir-loki.yaml: every named component defined, metrics to Mimir and logs to Loki over OTLP', () => {
    type Section = Record<string, Record<string, unknown> | null>;
    const config = yaml<{
      receivers: Section;
      processors: Section;
      exporters: Section;
      extensions: Section;
      service: {
        extensions: string[];
        pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
      };
    }>('otel-gateway-mimir-loki.yaml');
    for (const id of config.service.extensions) expect(config.extensions, id).toHaveProperty([id]);
    for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
      for (const id of pipeline.receivers) expect(config.receivers, `${name}: ${id}`).toHaveProperty([id]);
      for (const id of pipeline.processors) expect(config.processors, `${name}: ${id}`).toHaveProperty([id]);
      for (const id of pipeline.exporters) expect(config.exporters, `${name}: ${id}`).toHaveProperty([id]);
    }
    const endpoint = (id: string) => config.exporters[id]?.['endpoint'];
    expect(config.service.pipelines['metrics']?.exporters.map(endpoint)).toEqual([
      expect.stringMatching(/:8080\/otlp$/),
    ]);
    expect(config.service.pipelines['logs']?.exporters.map(endpoint)).toEqual([
      expect.stringMatching(/:3100\/otlp$/),
    ]);
  });
});
