import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type PromStyleServer, startPromStyleServer } from './prom-style-server.ts';

/**
 * A real Prometheus server (Debian's `prometheus` package, which `.ci/run` installs) on loopback
 * with its own TSDB in a temp dir, for tests that prove PromQL against what the collector serves.
 * `PROMETHEUS` in the environment names another binary. Absent binary: `prometheusBinary()` is
 * null and the suite skips, saying why.
 */
export interface PrometheusProcess extends PromStyleServer, PromQueryApi {}

/** The Prometheus HTTP query API, as Prometheus and VictoriaMetrics both serve it. */
export interface PromQueryApi {
  /** GET /api/v1/query; resolves to the API's JSON answer, whatever its status. */
  query(expr: string, timeSeconds?: number): Promise<PromAnswer>;
  /** GET /api/v1/query_range. */
  queryRange(
    expr: string,
    startSeconds: number,
    endSeconds: number,
    stepSeconds: number,
  ): Promise<PromAnswer>;
  /** GET /api/v1/label/NAME/values, optionally restricted by series selectors. */
  labelValues(name: string, match?: string[]): Promise<string[]>;
}

export interface PromAnswer {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

export const PROMETHEUS_CANDIDATES = [process.env['PROMETHEUS'], '/usr/bin/prometheus'];

export function prometheusBinary(): string | null {
  for (const candidate of PROMETHEUS_CANDIDATES) {
    if (candidate !== undefined && candidate !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

/** The number of samples or series an answer holds (0 for an empty vector or matrix). */
export function resultSize(answer: PromAnswer): number {
  const result = answer.data?.result;
  if (Array.isArray(result)) {
    // A scalar or string answer is [time, value]: one value.
    return answer.data?.resultType === 'scalar' || answer.data?.resultType === 'string' ? 1 : result.length;
  }
  return 0;
}

export async function startPrometheus(options: {
  /** prometheus.yml as an object; rule_files should be absolute paths. */
  config: Record<string, unknown>;
  binary?: string;
}): Promise<PrometheusProcess> {
  const binary = options.binary ?? prometheusBinary();
  if (binary === null) throw new Error('no prometheus binary (set PROMETHEUS or install the Debian package)');
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(options.config));
  const server = await startPromStyleServer({
    binary,
    dir,
    configFile,
    storageFlag: `--storage.tsdb.path=${join(dir, 'data')}`,
    readyTimeoutMs: 20_000,
    notReady: (reason, log) => `prometheus did not become ready: ${reason}\n${log}`,
  });
  return { ...server, ...promQueryApi(server.url) };
}

export function promQueryApi(baseUrl: string): PromQueryApi {
  const get = async (path: string, params: Record<string, string | string[]>): Promise<PromAnswer> => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const one of Array.isArray(value) ? value : [value]) search.append(key, one);
    }
    const response = await fetch(`${baseUrl}${path}?${search}`);
    return (await response.json()) as PromAnswer;
  };
  return {
    query: (expr, timeSeconds) =>
      get(
        '/api/v1/query',
        timeSeconds === undefined ? { query: expr } : { query: expr, time: String(timeSeconds) },
      ),
    queryRange: (expr, start, end, step) =>
      get('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) }),
    async labelValues(name, match = []) {
      const answer = await get(`/api/v1/label/${encodeURIComponent(name)}/values`, { 'match[]': match });
      return Array.isArray(answer.data) ? (answer.data as string[]) : [];
    },
  };
}
