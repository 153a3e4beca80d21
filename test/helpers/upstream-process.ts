import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postOtlpJson } from '../../packages/collector/src/test-support/post-otlp.ts';
import { freePort, stopProcess } from './processes.ts';

/** The upstream test server (upstream-server.ts) as a child process, and what it recorded. */
export interface UpstreamRecord {
  signal: 'metrics' | 'logs';
  node: string | null;
  stream: string | null;
  seq: number | null;
  items: number;
  firstTime: string | null;
}

export interface UpstreamProcess {
  url: string;
  child: ChildProcess;
  setMode(
    mode: 'ok' | '503' | '429' | '400' | 'partial' | 'hang' | 'reset',
    options?: { retryAfter?: string; count?: number },
  ): Promise<void>;
  records(): UpstreamRecord[];
  /** Resources recorded so far, from the server's counter (cheaper than records() for large runs). */
  stored(): Promise<number>;
  stop(): Promise<void>;
}

/** `port`: listen there (a sink may already point at it while the upstream is down). */
export async function startUpstream(options: { port?: number } = {}): Promise<UpstreamProcess> {
  const port = options.port ?? (await freePort());
  const file = join(mkdtempSync(join(tmpdir(), 'perimeter-upstream-')), 'records.jsonl');
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'upstream-server.ts'), String(port), file],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    async setMode(mode, options = {}) {
      await fetch(`${url}/control`, { method: 'POST', body: JSON.stringify({ mode, ...options }) });
    },
    records: () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as UpstreamRecord)
        : [],
    async stored() {
      const response = await fetch(`${url}/stats`);
      return ((await response.json()) as { stored: number }).stored;
    },
    async stop() {
      await stopProcess(child, 'SIGKILL');
    },
  };
}

/** A simulated agent: OTLP/JSON gauges with X-Perimeter-Stream / X-Perimeter-Seq, one batch per call. */
export function simulatedNode(collectorUrl: string, nodeId: string, token: string) {
  const stream = `stream-${nodeId}-0000`;
  let seq = 0;
  return {
    stream,
    get seq() {
      return seq;
    },
    async send(timeMs: number, points = 5): Promise<number> {
      seq++;
      const body = JSON.stringify({
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'perimeter.node.id', value: { stringValue: nodeId } }] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'hw.temperature',
                    unit: 'Cel',
                    gauge: {
                      dataPoints: Array.from({ length: points }, (_, i) => ({
                        timeUnixNano: `${BigInt(timeMs) * 1_000_000n}`,
                        asDouble: 40 + i + seq / 1000,
                        attributes: [{ key: 'hw.id', value: { stringValue: `s${i}` } }],
                      })),
                    },
                  },
                ],
              },
            ],
          },
        ],
      });
      const response = await postOtlpJson(collectorUrl, 'metrics', token, body, { stream, seq });
      return response.status;
    },
  };
}
