import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonGauge } from '../../packages/collector/src/test-support/test-collector.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { REPO_ROOT } from '../helpers/processes.ts';

/**
 * mTLS ties the client certificate to the token: with certificates made by the shipped
 * deploy/tls/make-lab-ca.sh (run here), a real collector requiring client certificates stores node
 * A's batch sent with A's token and A's certificate, answers 403 to A's token with B's
 * certificate (counted as client_cert_mismatch), and refuses the handshake without a certificate
 * or with one from another CA.
 */
const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((path) => existsSync(path));
const SCRIPT = join(REPO_ROOT, 'deploy/tls/make-lab-ca.sh');

interface Answer {
  status: number;
  body: string;
}

describe.skipIf(openssl === undefined)('mTLS: the client certificate must name the token’s node', () => {
  let dir: string;
  let collector: CollectorProcess;
  const tokens: Record<string, string> = {};
  const file = (...parts: string[]) => join(dir, ...parts);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-mtls-identity-'));
    execFileSync('bash', [SCRIPT, file('lab'), '--node', 'node-a', '--node', 'node-b'], { stdio: 'pipe' });
    execFileSync('bash', [SCRIPT, file('other-lab'), '--node', 'node-a'], { stdio: 'pipe' });
    collector = await startCollectorProcess({
      https: true,
      config: [
        'tls:',
        `  cert: ${file('lab/collector.pem')}`,
        `  key: ${file('lab/collector.key')}`,
        `  clientCa: ${file('lab/ca.pem')}`,
        '',
      ].join('\n'),
    });
    tokens['node-a'] = collector.createToken('node-a');
    tokens['node-b'] = collector.createToken('node-b');
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One HTTPS request trusting the lab CA, with a client certificate from `certificateOf` (a dir/node). */
  const send = (options: {
    method?: string;
    path: string;
    token?: string;
    certificate?: { lab: string; node: string };
    body?: string;
  }): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const certificate = options.certificate;
      const req = request(
        `${collector.url}${options.path}`,
        {
          method: options.method ?? 'GET',
          ca: readFileSync(file('lab/ca.pem')),
          ...(certificate === undefined
            ? {}
            : {
                cert: readFileSync(file(certificate.lab, 'nodes', `${certificate.node}.pem`)),
                key: readFileSync(file(certificate.lab, 'nodes', `${certificate.node}.key`)),
              }),
          headers: {
            'content-type': 'application/json',
            ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
          },
          agent: false,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  const post = (token: string, certificate?: { lab: string; node: string }) =>
    send({
      method: 'POST',
      path: '/v1/metrics',
      token,
      certificate,
      body: jsonGauge({ nodeId: 'node-a', points: [{ value: 41, timeMs: Date.now() }] }),
    });
  const stored = () =>
    collector.query<{ n: number }>("SELECT count(*) AS n FROM batches WHERE node_id = 'node-a'")[0]?.n ?? 0;

  it("node A's token with node B's certificate: 403 client_cert_mismatch, nothing stored, counted", async () => {
    const answer = await post(tokens['node-a'] as string, { lab: 'lab', node: 'node-b' });
    expect(answer.status).toBe(403);
    const error = JSON.parse(answer.body).error as { code: string; message: string };
    expect(error.code).toBe('client_cert_mismatch');
    expect(error.message).toContain('names node "node-b" but the token belongs to node "node-a"');
    expect(stored()).toBe(0);
    // node B's token with node A's certificate is the same mismatch, seen from the other side.
    expect((await post(tokens['node-b'] as string, { lab: 'lab', node: 'node-a' })).status).toBe(403);
    const metrics = await send({ path: '/metrics', certificate: { lab: 'lab', node: 'node-a' } });
    expect(metrics.body).toMatch(/perimeter_ingest_rejects_total\{reason="client_cert_mismatch"\} 2/);
  });

  it("node A's token with node A's certificate: 200, stored", async () => {
    const answer = await post(tokens['node-a'] as string, { lab: 'lab', node: 'node-a' });
    expect(answer.status, answer.body).toBe(200);
    expect(stored()).toBe(1);
  });

  it('no client certificate, or one from another CA: the TLS handshake is refused', async () => {
    await expect(post(tokens['node-a'] as string)).rejects.toThrow(
      /certificate required|ECONNRESET|socket hang up|handshake/i,
    );
    await expect(post(tokens['node-a'] as string, { lab: 'other-lab', node: 'node-a' })).rejects.toThrow(
      /unknown ca|ECONNRESET|socket hang up|handshake/i,
    );
    expect(stored()).toBe(1);
  });
});
