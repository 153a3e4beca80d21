import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSamples } from '@perimeter/collector';
import Database from 'better-sqlite3';
import { COLLECTOR_CLI, freePort, startNode, stopProcess, waitForHttp } from './processes.ts';

/**
 * A real `perimeter-collector serve` process on loopback with its own data directory, for
 * end-to-end tests: start, kill -9, restart on the same port and store, and read the store back
 * with a separate read-only SQLite connection (what an operator's sqlite3 would see).
 */
export interface CollectorProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  createToken(nodeId: string, role?: 'node' | 'reader' | 'admin'): string;
  revokeNode(nodeId: string): void;
  restart(): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<number | null>;
  query<T>(sql: string, ...params: unknown[]): T[];
  /** Every stored sample with its series' metric and node, decoded from the sample blocks. */
  samples(): Array<{ seriesId: number; metric: string; nodeId: string; tsMs: number; value: number }>;
}

export async function startCollectorProcess(
  options: {
    dataDir?: string;
    port?: number;
    logLevel?: string;
    nodeFlags?: string[];
    /** A config file to pass as --config (kept across restart()). */
    configFile?: string;
    /** Config text (YAML or JSON), written next to the store and passed as --config. */
    config?: string;
    /** The config makes it serve HTTPS: the URL says so, and readiness is read from its log. */
    https?: boolean;
  } = {},
): Promise<CollectorProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'perimeter-e2e-collector-'));
  const port = options.port ?? (await freePort());
  let configFile = options.configFile;
  if (options.config !== undefined) {
    configFile = join(dataDir, 'collector.e2e.yaml');
    writeFileSync(configFile, options.config);
  }
  const url = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  let log = '';
  const launch = async () => {
    const child = startNode(
      COLLECTOR_CLI,
      [
        'serve',
        '--data-dir',
        dataDir,
        '--listen',
        `127.0.0.1:${port}`,
        '--log-level',
        options.logLevel ?? 'info',
        ...(configFile === undefined ? [] : ['--config', configFile]),
      ],
      { nodeFlags: options.nodeFlags ?? [] },
    );
    child.stdout?.on('data', (chunk) => (log += chunk));
    child.stderr?.on('data', (chunk) => (log += chunk));
    if (options.https) {
      // No CA in this process to check its certificate with: wait for its own word instead.
      const deadline = Date.now() + 15_000;
      while (!log.includes('collector listening')) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`collector did not start:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } else {
      await waitForHttp(`${url}/readyz`);
    }
    return child;
  };
  const cli = (args: string[]) =>
    execFileSync(process.execPath, [COLLECTOR_CLI, ...args, '--data-dir', dataDir], {
      encoding: 'utf8',
    }).trim();

  const handle: CollectorProcess = {
    url,
    port,
    dataDir,
    child: await launch(),
    output: () => log,
    createToken: (nodeId, role = 'node') => cli(['tokens', 'create', '--node', nodeId, '--role', role]),
    revokeNode: (nodeId) => {
      cli(['tokens', 'revoke', '--node', nodeId]);
    },
    async restart() {
      handle.child = await launch();
    },
    async kill9() {
      await stopProcess(handle.child, 'SIGKILL');
    },
    stop: () => stopProcess(handle.child, 'SIGTERM'),
    query<T>(sql: string, ...params: unknown[]): T[] {
      const db = new Database(join(dataDir, 'collector.db'), { readonly: true, fileMustExist: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    samples() {
      const db = new Database(join(dataDir, 'collector.db'), { readonly: true, fileMustExist: true });
      try {
        const series = new Map(
          (
            db.prepare('SELECT id, metric, node_id FROM series').all() as Array<{
              id: number;
              metric: string;
              node_id: string;
            }>
          ).map((row) => [row.id, row]),
        );
        return [...readSamples(db)].map(([seriesId, tsMs, value]) => ({
          seriesId,
          metric: series.get(seriesId)?.metric ?? '?',
          nodeId: series.get(seriesId)?.node_id ?? '?',
          tsMs,
          value,
        }));
      } finally {
        db.close();
      }
    },
  };
  return handle;
}

export async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  return response.text();
}

/** The secret part of a `pmt_<16 hex id>_<secret>` token (base64url: it may itself hold '_'). */
export function tokenSecret(token: string): string {
  const secret = /^pmt_[0-9a-f]{16}_([A-Za-z0-9_-]{43})$/.exec(token)?.[1];
  if (secret === undefined) throw new Error(`not a Perimeter token: ${token.slice(0, 8)}…`);
  return secret;
}
