import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CredentialsRows, credentialsSection } from '../evidence/sections/credentials.ts';
import { openStoreFile } from '../store/store-file.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { createToken, createTokenVerifier } from './token-store.ts';

/**
 * The attack: tokens never expired, so a token leaked years ago still ingested, read and opened the
 * console. Now `tokens create --expires 90d` bounds it; ingest, the API and sign-in refuse it after
 * that, `tokens list` shows when, and the access review flags expired and expiring tokens.
 */
const DAY = 86_400_000;
const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(import.meta.dirname, '..', 'cli.ts'), 'tokens', ...args], {
    encoding: 'utf8',
  });

describe('tokens create --expires (the real CLI)', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-expiry-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores the expiry, lists it (text and --json), and refuses a bad --expires naming the flag', () => {
    const before = Date.now();
    const created = cli(['create', '--node', 'n1', '--expires', '90d', '--data-dir', dataDir]);
    expect(created.status).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^pmt_[0-9a-f]{16}_/);
    expect(cli(['create', '--node', 'n2', '--data-dir', dataDir]).status).toBe(0);

    const listed = JSON.parse(cli(['list', '--json', '--data-dir', dataDir]).stdout) as Array<{
      nodeId: string;
      expiresAtMs: number | null;
    }>;
    const n1 = listed.find((t) => t.nodeId === 'n1')?.expiresAtMs as number;
    expect(n1).toBeGreaterThanOrEqual(before + 90 * DAY);
    expect(n1).toBeLessThanOrEqual(Date.now() + 90 * DAY);
    expect(listed.find((t) => t.nodeId === 'n2')?.expiresAtMs).toBeNull();
    const text = cli(['list', '--data-dir', dataDir]).stdout;
    expect(text).toContain('EXPIRES');
    expect(text).toContain(new Date(n1).toISOString());
    expect(text).toMatch(/n2 .*never/);

    const bad = cli(['create', '--node', 'n3', '--expires', 'soon', '--data-dir', dataDir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--expires');
    const store = openStoreFile({ dataDir });
    try {
      const verify = createTokenVerifier(store, { nowMs: () => n1 - 1 });
      expect(verify(token)?.nodeId).toBe('n1');
      expect(createTokenVerifier(store, { nowMs: () => n1 })(token)).toBeNull();
    } finally {
      store.close();
    }
  });
});

describe('an expired token over HTTP (app.request, real store)', () => {
  let t: TestCollector;
  beforeEach(() => {
    t = createTestCollector();
  });
  afterEach(() => t.close());

  // The test collector's verifier runs on the real clock: one token expired a minute ago, one live.
  const make = (nodeId: string, role: 'node' | 'reader', expiresAtMs: number) =>
    createToken(t.store, { nodeId, role, actor: 'test', nowMs: t.clock.nowMs, expiresAtMs }).token;

  it('is refused at ingest (401), at the read API (401) and at sign-in (401, no cookie); a live one passes', async () => {
    const expiredNode = make('node-a', 'node', Date.now() - 60_000);
    const liveNode = make('node-a', 'node', Date.now() + DAY);
    const body = jsonGauge({ nodeId: 'node-a', points: [{ value: 1, timeMs: t.clock.nowMs }] });
    expect((await t.post('metrics', body, { token: expiredNode })).status).toBe(401);
    expect((await t.post('metrics', body, { token: liveNode })).status).toBe(200);

    const expiredReader = make('auditor', 'reader', Date.now() - 60_000);
    const liveReader = make('auditor', 'reader', Date.now() + DAY);
    const api = (token: string) =>
      t.app.request('/api/v1/models', { headers: { authorization: `Bearer ${token}` } });
    expect((await api(expiredReader)).status).toBe(401);
    expect((await api(liveReader)).status).toBe(200);

    const signIn = await t.app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: expiredReader }).toString(),
    });
    expect(signIn.status).toBe(401);
    expect(signIn.headers.get('set-cookie')).toBeNull();
  });

  it('flags expired and expiring-soon tokens in the credentials review', () => {
    const end = t.clock.nowMs;
    make('expired-node', 'node', end - DAY);
    make('soon-node', 'node', end + 3 * DAY);
    make('later-node', 'node', end + 60 * DAY);
    const section = credentialsSection.read({
      reads: t.store.evidence,
      period: { fromMs: end - 30 * DAY, toMs: end + 1 }, // the tokens were made at `end`
    } as unknown as Parameters<typeof credentialsSection.read>[0]);
    const rows = (section.json.credentials as CredentialsRows).tokens;
    expect(section.csv['tokens.csv']).toContain('expires within 14 days');
    const review = (subject: string) => rows.find((r) => r.subject === subject)?.review ?? '';
    expect(review('expired-node')).toMatch(/^expired/);
    expect(review('soon-node')).toContain('expires within 14 days');
    expect(review('later-node')).not.toContain('expire');
    expect(rows.find((r) => r.subject === 'soon-node')?.expiresAtMs).toBe(end + 3 * DAY);
  });
});
