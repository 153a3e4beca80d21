import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { REPO_ROOT } from '../helpers/processes.ts';

/**
 * TLS and mTLS between a real agent and a real collector, with certificates made by the shipped
 * deploy/tls/make-lab-ca.sh: a CA, the collector's certificate for 127.0.0.1, and the client
 * certificate of node mtls-with (its node id, as the collector checks against the token). With TLS
 * the agent ships only when it trusts the CA; with mTLS the collector refuses a connection without
 * a client certificate (the agent keeps its batches, nothing is lost) and takes one with it.
 */
const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((path) => existsSync(path));
let dir: string;
const pem = (name: string) => join(dir, name);

/** The shipped deploy/tls/make-lab-ca.sh: a CA, the collector's certificate (localhost, 127.0.0.1), one node's. */
function makeCertificates(): void {
  execFileSync('bash', [join(REPO_ROOT, 'deploy/tls/make-lab-ca.sh'), dir, '--node', 'mtls-with'], {
    stdio: 'pipe',
  });
}

describe.skipIf(openssl === undefined)('TLS and mTLS between agent and collector', () => {
  const running: Array<{ stop(): Promise<unknown> }> = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-tls-'));
    makeCertificates();
  });
  afterAll(async () => {
    for (const process of running.splice(0)) await process.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = (collector: CollectorProcess, nodeId: string) =>
    collector.query<{ n: number }>('SELECT count(*) AS n FROM batches WHERE node_id = ?', nodeId)[0]?.n ?? 0;
  const agent = (collector: CollectorProcess, nodeId: string, tls: string): AgentProcess => {
    const started = startAgentProcess({
      collectorUrl: collector.url,
      token: collector.createToken(nodeId),
      nodeId,
      interval: '300ms',
      config: `ship:\n  initialBackoff: 100ms\n  maxBackoff: 300ms\n  tls:\n${tls}logins:\n  source: off\nsamplers:\n  drift:\n    enabled: false\n`,
    });
    running.push(started);
    return started;
  };

  it('serves HTTPS; an agent that trusts the CA ships over it', async () => {
    const collector = await startCollectorProcess({
      https: true,
      config: `tls:\n  cert: ${pem('collector.pem')}\n  key: ${pem('collector.key')}\n`,
    });
    running.push(collector);
    expect(collector.url.startsWith('https://')).toBe(true);
    agent(collector, 'tls-node', `    ca: ${pem('ca.pem')}\n`);
    await waitUntil(() => stored(collector, 'tls-node') >= 2, 'batches stored over TLS');
    const untrusting = agent(
      collector,
      'tls-untrusting',
      `    cert: ${pem('nodes/mtls-with.pem')}\n    key: ${pem('nodes/mtls-with.key')}\n`,
    );
    await waitUntil(
      () => untrusting.output().includes('delivery failed'),
      'the untrusting agent fails to connect',
    );
    expect(stored(collector, 'tls-untrusting')).toBe(0);
  });

  it('with a client CA, refuses agents without a client certificate and takes those with one', async () => {
    const collector = await startCollectorProcess({
      https: true,
      config: `tls:\n  cert: ${pem('collector.pem')}\n  key: ${pem('collector.key')}\n  clientCa: ${pem('ca.pem')}\n`,
    });
    running.push(collector);
    const without = agent(collector, 'mtls-without', `    ca: ${pem('ca.pem')}\n`);
    const withCert = agent(
      collector,
      'mtls-with',
      `    ca: ${pem('ca.pem')}\n    cert: ${pem('nodes/mtls-with.pem')}\n    key: ${pem('nodes/mtls-with.key')}\n`,
    );
    await waitUntil(() => stored(collector, 'mtls-with') >= 2, 'batches stored over mTLS');
    await waitUntil(
      () => without.output().includes('delivery failed'),
      'the agent without a certificate is refused',
    );
    expect(stored(collector, 'mtls-without')).toBe(0);
    await without.stop(); // the spool is locked while its agent runs
    const kept = without.spoolQuery<{ n: number }>('SELECT count(*) AS n FROM batches')[0]?.n ?? 0;
    expect(kept).toBeGreaterThan(0);
    expect(withCert.output()).not.toContain('delivery failed');
  });
});
