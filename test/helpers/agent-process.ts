import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AGENT_BUNDLE, AGENT_NODE_FLAGS } from './agent-build.ts';
import { AGENT_CLI, startNode, stopProcess } from './processes.ts';

/** A real `perimeter-agent run` process with its own spool, for end-to-end scenarios. */
export interface AgentProcess {
  child: ChildProcess;
  dataDir: string;
  output(): string;
  stop(): Promise<number | null>;
  spoolQuery<T>(sql: string): T[];
}

export function startAgentProcess(options: {
  collectorUrl: string;
  token: string;
  nodeId: string;
  interval: string;
  config?: string;
  /** Root for /sys and /proc reads (node_exporter's --path.sysfs): an unpacked fixture tree. */
  fsRoot?: string;
  /** An earlier agent's data dir, to restart on the same spool (default: a new one). */
  dataDir?: string;
  /** Extra environment for the agent process (e.g. libfaketime's LD_PRELOAD for clock jumps). */
  env?: NodeJS.ProcessEnv;
  /** Run the deployed form, packages/agent/dist/perimeter-agent.js with AGENT_NODE_FLAGS (the caller runs buildAgent() first). */
  bundle?: boolean;
  /** Node flags before the script (after AGENT_NODE_FLAGS for the bundle). */
  nodeFlags?: string[];
}): AgentProcess {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'perimeter-e2e-agent-'));
  const configPath = join(dataDir, 'agent.yaml');
  writeFileSync(configPath, options.config ?? '');
  const child = startNode(
    options.bundle ? AGENT_BUNDLE : AGENT_CLI,
    [
      'run',
      '--config',
      configPath,
      '--collector',
      options.collectorUrl,
      '--node-id',
      options.nodeId,
      '--data-dir',
      dataDir,
      '--interval',
      options.interval,
      ...(options.fsRoot ? ['--fs-root', options.fsRoot] : []),
    ],
    {
      env: { ...options.env, PERIMETER_TOKEN: options.token },
      nodeFlags: [...(options.bundle ? AGENT_NODE_FLAGS : []), ...(options.nodeFlags ?? [])],
    },
  );
  let log = '';
  child.stdout?.on('data', (chunk) => (log += chunk));
  child.stderr?.on('data', (chunk) => (log += chunk));
  return {
    child,
    dataDir,
    output: () => log,
    stop: () => stopProcess(child, 'SIGTERM'),
    spoolQuery<T>(sql: string): T[] {
      const db = new Database(join(dataDir, 'spool.db'), { readonly: true, fileMustExist: true });
      try {
        return db.prepare(sql).all() as T[];
      } finally {
        db.close();
      }
    },
  };
}

/**
 * The login scenarios' agent: it only follows `authLog` (no backfill of what is already there, the
 * system sampler off) and sends every 10 s to the collector as `nodeId`, with a token issued now.
 */
export function startLoginsAgent(options: {
  collector: { url: string; createToken(nodeId: string): string };
  nodeId: string;
  authLog: string;
  /** An earlier agent's data dir, to restart on the same spool and follow position. */
  dataDir?: string;
}): AgentProcess {
  return startAgentProcess({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    collectorUrl: options.collector.url,
    token: options.collector.createToken(options.nodeId),
    nodeId: options.nodeId,
    interval: '10s',
    config: `logins:\n  authLog: ${options.authLog}\n  backfill: false\nsamplers:\n  system:\n    enabled: false\n`,
  });
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting until ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
