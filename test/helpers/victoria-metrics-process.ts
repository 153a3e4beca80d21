import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, onPath, stopProcess, waitForHttp } from './processes.ts';
import { type PromQueryApi, promQueryApi } from './prometheus-process.ts';

/**
 * VictoriaMetrics on loopback (Debian's `victoria-metrics` package, which `.ci/run` installs): the
 * single-node server (remote-write receiver, scraper, Prometheus query API) and vmalert (the
 * ruler that evaluates Prometheus rule files against it). Absent binaries: `victoriaMetricsMissing()`
 * says why and the suite skips.
 */
export interface VmStyleServer {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export interface VictoriaMetricsProcess extends VmStyleServer, PromQueryApi {}

const BINARIES = { server: 'victoria-metrics', ruler: 'vmalert' } as const;

/** Why the VictoriaMetrics suites cannot run here, or null when they can. */
export function victoriaMetricsMissing(): string | null {
  const missing = Object.values(BINARIES).filter((binary) => onPath(binary) === null);
  return missing.length === 0
    ? null
    : `skipped: ${missing.join(' and ')} not on PATH (apt-get install victoria-metrics)`;
}

async function startVmStyle(binary: string, dir: string, flags: string[]): Promise<VmStyleServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [`-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=WARN', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk) => (log += chunk));
  child.stderr?.on('data', (chunk) => (log += chunk));
  try {
    await waitForHttp(`${url}/health`, 20_000);
  } catch (error) {
    await stopProcess(child, 'SIGKILL');
    throw new Error(`${binary} did not become healthy: ${(error as Error).message}\n${log}`);
  }
  return {
    url,
    child,
    output: () => log,
    async stop() {
      await stopProcess(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The single-node server, scraping `scrapeConfigs` (Prometheus scrape_configs, as objects) every
 * second. Queries see data at once (no 30 s latency offset, no rollup cache), as a test needs.
 */
export async function startVictoriaMetrics(options: {
  scrapeConfigs: Array<Record<string, unknown>>;
}): Promise<VictoriaMetricsProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-victoria-metrics-'));
  const scrapeFile = join(dir, 'scrape.yml');
  writeFileSync(scrapeFile, stringify({ scrape_configs: options.scrapeConfigs }));
  const server = await startVmStyle(BINARIES.server, dir, [
    `-storageDataPath=${join(dir, 'data')}`,
    `-promscrape.config=${scrapeFile}`,
    '-promscrape.config.strictParse',
    '-search.latencyOffset=1s',
    '-search.disableCache',
  ]);
  return { ...server, ...promQueryApi(server.url) };
}

/**
 * vmalert evaluating `ruleFile` against a VictoriaMetrics every `evaluationInterval`, writing its
 * ALERTS series back there and sending alerts to `alertmanagerUrl`.
 */
export async function startVmalert(options: {
  ruleFile: string;
  datasourceUrl: string;
  alertmanagerUrl: string;
  externalUrl: string;
  evaluationInterval: string;
}): Promise<VmStyleServer> {
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-vmalert-'));
  return startVmStyle(BINARIES.ruler, dir, [
    `-rule=${options.ruleFile}`,
    `-datasource.url=${options.datasourceUrl}`,
    `-remoteWrite.url=${options.datasourceUrl}`,
    `-remoteRead.url=${options.datasourceUrl}`,
    `-notifier.url=${options.alertmanagerUrl}`,
    `-external.url=${options.externalUrl}`,
    `-evaluationInterval=${options.evaluationInterval}`,
  ]);
}

/**
 * A Prometheus rule file as vmalert 1.79 (Debian bookworm) takes it: without `keep_firing_for`,
 * which vmalert learned in 1.90 and refuses as an unknown field before. Everything else is the
 * file as given. (Newer vmalert, and the Mimir ruler, take deploy/prometheus/perimeter.rules.yml
 * as it is.)
 */
export function rulesForVmalert(text: string): string {
  const file = parse(text) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
  for (const group of file.groups) {
    for (const rule of group.rules) delete rule['keep_firing_for'];
  }
  return stringify(file);
}
