import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { REPO_ROOT } from '../helpers/processes.ts';
import {
  type PrometheusProcess,
  prometheusBinary,
  resultSize,
  startPrometheus,
} from '../helpers/prometheus-process.ts';

/**
 * A real Prometheus scrapes a real collector as deployed: HTTPS with certificates from the shipped
 * deploy/tls/make-lab-ca.sh, and /metrics asking for a token (`metrics.auth: token`). It runs
 * deploy/prometheus/prometheus.yml's own collector job (https, `tls_config.ca_file`, the reader
 * token from `authorization.credentials_file`; only the file paths and the target changed): the
 * scrape is up. The same job without the token file gets 401 and is down.
 */
const COLLECTOR_JOB = 'perimeter-collector';
const prometheus = prometheusBinary();
// openssl makes the certificates (deploy/tls/make-lab-ca.sh).
const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].some((path) => existsSync(path));
if (prometheus === null || !openssl)
  console.warn('metrics-auth-prometheus.test.ts: no prometheus binary or no openssl; skipped');

interface Target {
  labels: { job: string };
  health: string;
  lastError: string;
}

describe.skipIf(prometheus === null || !openssl)(
  'Prometheus scrapes /metrics with a reader token file',
  () => {
    let dir: string;
    let collector: CollectorProcess;
    let prom: PrometheusProcess;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'perimeter-metrics-auth-'));
      execFileSync('bash', [join(REPO_ROOT, 'deploy/tls/make-lab-ca.sh'), join(dir, 'lab')], {
        stdio: 'pipe',
      });
      collector = await startCollectorProcess({
        https: true,
        config: [
          'tls:',
          `  cert: ${join(dir, 'lab/collector.pem')}`,
          `  key: ${join(dir, 'lab/collector.key')}`,
          'metrics:',
          '  auth: token',
          '',
        ].join('\n'),
      });
      const tokenFile = join(dir, 'reader.token');
      writeFileSync(tokenFile, `${collector.createToken('prometheus', 'reader')}\n`, { mode: 0o600 });

      const deploy = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
        scrape_configs: Array<Record<string, unknown> & { job_name: string }>;
      };
      const deployJob = deploy.scrape_configs.find((job) => job.job_name === COLLECTOR_JOB);
      if (!deployJob) throw new Error(`deploy/prometheus/prometheus.yml has no ${COLLECTOR_JOB} job`);
      const authorization = deployJob['authorization'] as Record<string, unknown>;
      const job = {
        ...deployJob,
        scrape_interval: '1s',
        scrape_timeout: '1s',
        static_configs: [{ targets: [`127.0.0.1:${collector.port}`] }],
        authorization: { ...authorization, credentials_file: tokenFile },
        tls_config: { ...(deployJob['tls_config'] as object), ca_file: join(dir, 'lab/ca.pem') },
      };
      expect(deployJob['scheme']).toBe('https');
      const { authorization: _dropped, ...withoutToken } = job;
      prom = await startPrometheus({
        config: {
          global: { scrape_interval: '1s', evaluation_interval: '1s' },
          scrape_configs: [job, { ...withoutToken, job_name: 'no-token' }],
        },
      });
    }, 60_000);

    afterAll(async () => {
      await prom?.stop();
      await collector?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const targets = async (): Promise<Target[]> => {
      const answer = (await (await fetch(`${prom.url}/api/v1/targets`)).json()) as {
        data: { activeTargets: Target[] };
      };
      return answer.data.activeTargets;
    };

    it('the deploy job with its credentials_file is up; without it the scrape is refused with 401', async () => {
      await waitUntil(
        async () => resultSize(await prom.query(`up{job="${COLLECTOR_JOB}"} == 1`)) === 1,
        () => `the deploy job scraped the collector: ${prom.output().slice(-2000)}`,
        20_000,
      );
      await waitUntil(
        async () => resultSize(await prom.query('up{job="no-token"} == 0')) === 1,
        'the job without a token has been scraped and is down',
        20_000,
      );
      const noToken = (await targets()).find((target) => target.labels.job === 'no-token');
      expect(noToken?.health).toBe('down');
      expect(noToken?.lastError).toMatch(/401/);
      // What the token bought: node-independent collector series, stored in Prometheus.
      expect(resultSize(await prom.query(`perimeter_store_bytes{job="${COLLECTOR_JOB}"}`))).toBe(1);
      // And the collector itself, asked over TLS without a token.
      const anonymous = await new Promise<number>((resolve, reject) => {
        get(`${collector.url}/metrics`, { ca: readFileSync(join(dir, 'lab/ca.pem')) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(anonymous).toBe(401);
    });
  },
);
