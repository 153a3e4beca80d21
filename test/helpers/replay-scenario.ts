import { execFileSync, spawnSync } from 'node:child_process';
import { postOtlpJson } from '../../packages/collector/src/test-support/post-otlp.ts';
import { COLLECTOR_CLI, onPath } from './processes.ts';

/**
 * A node's scripted history for replay tests, sent over real OTLP/HTTP with the agent's stream and
 * seq headers: one batch per 10 s of data time, every 5th a logs batch with an auth.login failure,
 * the others a metrics batch (a CPU temperature against the sensor's own high.critical limit, and
 * thermal pressure). `skipSeqs` are never sent (a sequence gap); after `silenceAfterSeq` the data
 * times jump by `silenceMs` (the node was down).
 */
export interface ScenarioOptions {
  nodeId: string;
  stream: string;
  startMs: number;
  batches: number;
  skipSeqs: readonly number[];
  silenceAfterSeq: number;
  silenceMs: number;
  stepMs?: number;
}

export const CRITICAL_LIMIT = 90;

export function dataTimeOf(options: ScenarioOptions, seq: number): number {
  const step = options.stepMs ?? 10_000;
  return options.startMs + seq * step + (seq > options.silenceAfterSeq ? options.silenceMs : 0);
}

const kv = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'string' ? { stringValue: value } : { doubleValue: value },
});
const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

export function isLogsSeq(seq: number): boolean {
  return seq % 5 === 0;
}

/** Temperature rises by 1 °C per batch from 70, crossing the 90 °C limit at seq 21. */
export function temperatureAt(seq: number): number {
  return 70 + seq;
}

export function scenarioRequest(
  options: ScenarioOptions,
  seq: number,
): { signal: 'metrics' | 'logs'; body: string } {
  const timeMs = dataTimeOf(options, seq);
  const resource = { attributes: [kv('perimeter.node.id', options.nodeId), kv('host.name', options.nodeId)] };
  if (isLogsSeq(seq)) {
    return {
      signal: 'logs',
      body: JSON.stringify({
        resourceLogs: [
          {
            resource,
            scopeLogs: [
              {
                scope: { name: 'replay-test' },
                logRecords: [
                  {
                    timeUnixNano: nanos(timeMs),
                    severityNumber: 13,
                    body: { stringValue: `Failed password for admin from 10.0.0.${seq}` },
                    attributes: [
                      kv('event.name', 'auth.login'),
                      kv('auth.outcome', 'failure'),
                      kv('auth.method', 'ssh'),
                      kv('user.name', 'admin'),
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    };
  }
  const gauge = (name: string, unit: string, value: number, attributes: ReturnType<typeof kv>[]) => ({
    name,
    unit,
    gauge: { dataPoints: [{ timeUnixNano: nanos(timeMs), asDouble: value, attributes }] },
  });
  return {
    signal: 'metrics',
    body: JSON.stringify({
      resourceMetrics: [
        {
          resource,
          scopeMetrics: [
            {
              scope: { name: 'replay-test' },
              metrics: [
                gauge('hw.temperature', 'Cel', temperatureAt(seq), [
                  kv('hw.id', 'cpu0'),
                  kv('hw.type', 'temperature'),
                ]),
                gauge('hw.temperature.limit', 'Cel', CRITICAL_LIMIT, [
                  kv('hw.id', 'cpu0'),
                  kv('hw.limit_type', 'high.critical'),
                ]),
                gauge('perimeter.thermal.pressure', '{level}', seq > 35 ? 2 : 0, []),
              ],
            },
          ],
        },
      ],
    }),
  };
}

export async function sendScenario(url: string, token: string, options: ScenarioOptions): Promise<void> {
  for (let seq = 1; seq <= options.batches; seq++) {
    if (options.skipSeqs.includes(seq)) {
      continue;
    }
    const { signal, body } = scenarioRequest(options, seq);
    const response = await postOtlpJson(url, signal, token, body, { stream: options.stream, seq });
    if (!response.ok) {
      throw new Error(`seq ${seq}: ${response.status} ${await response.text()}`);
    }
  }
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCollectorCli(args: string[]): CliResult {
  const result = spawnSync(process.execPath, [COLLECTOR_CLI, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The Debian sqlite3 CLI, as an operator (or an intruder) would edit the store; null when absent. */
export function sqlite3Path(): string | null {
  return onPath('sqlite3');
}

export function sqlite3(dbPath: string, sql: string): string {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', dbPath, sql], { encoding: 'utf8' });
}

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
