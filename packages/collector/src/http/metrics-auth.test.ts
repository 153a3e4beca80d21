import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectorConfigSchema, collectorFlagKeys, loadConfig } from '@perimeter/schema';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCollector, startCollector } from '../serve.ts';
import { issueTokens } from '../test-support/loopback-collector.ts';

/**
 * `metrics.auth` on the real serve path: a collector listening on 0.0.0.0 (the shipped config)
 * answers an unauthenticated scrape of /metrics with 401, a node token with 403, and a reader or
 * admin token with the exposition; one on loopback only stays open unless told otherwise.
 */
const running: RunningCollector[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const collector of running.splice(0)) await collector.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(config: Record<string, unknown>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-metrics-auth-'));
  dirs.push(dataDir);
  const tokens = issueTokens(dataDir, [
    { nodeId: 'gpu-01', role: 'node' },
    { nodeId: 'ops', role: 'reader' },
    { nodeId: 'root', role: 'admin' },
  ]);
  const collector = await startCollector(
    collectorConfigSchema.parse({ dataDir, ...config }),
    pino({ level: 'silent' }),
  );
  running.push(collector);
  // The URL names the bound address (0.0.0.0 included); scrape it on loopback.
  const port = new URL(collector.url).port;
  const scrape = (token?: string) =>
    fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  return { tokens, scrape };
}

describe('/metrics authentication (metrics.auth)', () => {
  it('off loopback by default: 401 without a token, 403 for a node token, 200 for reader and admin', async () => {
    const { tokens, scrape } = await start({ listen: '0.0.0.0:0' });
    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const anonymousBody = await anonymous.text();
    expect(anonymousBody).not.toContain('perimeter_');
    expect((await scrape('pmt_0123456789abcdef_notasecret')).status).toBe(401);
    const node = await scrape(tokens['gpu-01/node']);
    expect(node.status).toBe(403);
    expect(await node.text()).toContain('forbidden_role');
    for (const role of ['ops/reader', 'root/admin']) {
      const answer = await scrape(tokens[role]);
      expect(answer.status, role).toBe(200);
      expect(await answer.text(), role).toContain('perimeter_ingest_batches_total');
    }
  });

  it("shares the read API's per-(address, token) limiter: a bad token is throttled, a good one never", async () => {
    const { tokens, scrape } = await start({ listen: '0.0.0.0:0' });
    const bad = 'pmt_00000000000000aa_revokedrevokedrevokedrevokedrevokedrevoke';
    const statuses: number[] = [];
    for (let i = 0; i < 21; i += 1) statuses.push((await scrape(bad)).status);
    expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect((await scrape(tokens['ops/reader'])).status).toBe(200);
  });

  it('on loopback only, open by default (the README demo scrape), closed with metrics.auth: token', async () => {
    const open = await start({ listen: '127.0.0.1:0' });
    expect((await open.scrape()).status).toBe(200);
    const closed = await start({ listen: '127.0.0.1:0', metrics: { auth: 'token' } });
    expect((await closed.scrape()).status).toBe(401);
    expect((await closed.scrape(closed.tokens['ops/reader'])).status).toBe(200);
    const opened = await start({ listen: '0.0.0.0:0', metrics: { auth: 'none' } });
    expect((await opened.scrape()).status).toBe(200);
  });

  it('names the key when the value is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perimeter-metrics-auth-config-'));
    dirs.push(dir);
    const file = join(dir, 'collector.yaml');
    writeFileSync(file, 'metrics:\n  auth: basic\n');
    expect(() => loadConfig(collectorConfigSchema, collectorFlagKeys, { file })).toThrowError(
      /metrics\.auth: metrics\.auth is token \(a reader or admin bearer token\) or none/,
    );
  });
});
