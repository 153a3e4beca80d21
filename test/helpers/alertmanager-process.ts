import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath } from './processes.ts';
import { type PromStyleServer, startPromStyleServer } from './prom-style-server.ts';

/**
 * A real Prometheus Alertmanager on loopback for end-to-end alerting tests: a minimal config (one
 * receiver that goes nowhere), its own storage directory, clustering off. Debian names the binary
 * `prometheus-alertmanager`; upstream tarballs name it `alertmanager`; both are tried. amtool
 * (same package) is how the tests read alerts back, as an operator would.
 */
export interface AlertmanagerProcess extends PromStyleServer {
  /** `amtool alert query -o json` with the given matchers: the active alerts. */
  query(...matchers: string[]): AmtoolAlert[];
  /** The same with amtool's state flags, e.g. `--inhibited`. */
  queryWith(flags: string[], ...matchers: string[]): AmtoolAlert[];
}

export interface AmtoolAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  status: { state: string; inhibitedBy: string[]; silencedBy: string[] };
}

/** The Alertmanager binary, or null when neither name is installed. */
export function alertmanagerBinary(): string | null {
  return onPath('alertmanager') ?? onPath('prometheus-alertmanager');
}

export function amtoolBinary(): string | null {
  return onPath('amtool');
}

/** Why an Alertmanager suite cannot run here, or null when it can. */
export function alertmanagerMissing(): string | null {
  const missing = [
    alertmanagerBinary() === null ? 'alertmanager (Debian: prometheus-alertmanager)' : null,
    amtoolBinary() === null ? 'amtool' : null,
  ].filter((name) => name !== null);
  return missing.length === 0
    ? null
    : `skipped: ${missing.join(' and ')} not on PATH (apt-get install prometheus-alertmanager)`;
}

const MINIMAL_CONFIG = `route:
  receiver: blackhole
  group_by: [alertname, node]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
`;

/** `configFile`: an Alertmanager config to run instead of the minimal one (e.g. the deploy file). */
export async function startAlertmanager(options: { configFile?: string } = {}): Promise<AlertmanagerProcess> {
  const binary = alertmanagerBinary();
  const amtool = amtoolBinary();
  if (binary === null || amtool === null) {
    throw new Error(alertmanagerMissing() ?? 'alertmanager missing');
  }
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-e2e-alertmanager-'));
  let configFile = options.configFile;
  if (configFile === undefined) {
    configFile = join(dir, 'alertmanager.yml');
    writeFileSync(configFile, MINIMAL_CONFIG);
  }
  const server = await startPromStyleServer({
    binary,
    dir,
    configFile,
    storageFlag: `--storage.path=${join(dir, 'data')}`,
    // Empty disables the gossip cluster (no port 9094, no peers).
    extraFlags: ['--cluster.listen-address='],
    readyTimeoutMs: 10_000,
    notReady: (reason, log) => `${reason}; alertmanager said:\n${log}`,
  });
  const queryWith = (flags: string[], ...matchers: string[]): AmtoolAlert[] => {
    const out = execFileSync(
      amtool,
      ['alert', 'query', `--alertmanager.url=${server.url}`, '-o', 'json', ...flags, ...matchers],
      { encoding: 'utf8' },
    );
    return JSON.parse(out) as AmtoolAlert[];
  };
  return {
    ...server,
    query: (...matchers) => queryWith([], ...matchers),
    queryWith: (flags, ...matchers) => queryWith(flags, ...matchers),
  };
}
