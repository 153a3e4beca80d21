import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { freePort, stopProcess, waitForHttp } from './processes.ts';

/**
 * Starts a Prometheus-family server (Prometheus, Alertmanager: the same flag conventions and
 * /-/ready) on a free loopback port with its config file and its data under `dir`, and waits until
 * it is ready; one that never is, is killed and its log goes into the error. `stop` also removes
 * `dir`.
 */
export interface PromStyleServer {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export interface PromStyleServerOptions {
  binary: string;
  dir: string;
  configFile: string;
  /** The flag that places its storage, e.g. `--storage.tsdb.path=…`. */
  storageFlag: string;
  /** Flags after `--web.listen-address`. */
  extraFlags?: string[];
  readyTimeoutMs: number;
  /** The error message when it does not become ready: what waiting said and what it logged. */
  notReady: (reason: string, log: string) => string;
}

export async function startPromStyleServer(options: PromStyleServerOptions): Promise<PromStyleServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    options.binary,
    [
      `--config.file=${options.configFile}`,
      options.storageFlag,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(options.extraFlags ?? []),
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (chunk) => (log += chunk));
  child.stderr?.on('data', (chunk) => (log += chunk));
  try {
    await waitForHttp(`${url}/-/ready`, options.readyTimeoutMs);
  } catch (error) {
    await stopProcess(child, 'SIGKILL');
    throw new Error(options.notReady((error as Error).message, log));
  }
  return {
    url,
    port,
    child,
    output: () => log,
    async stop() {
      await stopProcess(child, 'SIGTERM');
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}
