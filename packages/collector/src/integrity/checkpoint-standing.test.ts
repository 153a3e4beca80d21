import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runReplayCommand } from '../replay/replay-command.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { makeCheckpoint } from './checkpoint.ts';
import { NO_CHECKPOINT_LINE } from './checkpoint-standing.ts';
import { createSigningKeyFiles, loadSigningKey, type SigningKey } from './keys.ts';

/**
 * Replay (table, md, jsonl) and the console node page name the signed checkpoint the store was
 * verified against, by `verify`'s verifier, on a real store with a real key: none yet, the store's
 * own, an off-box file given to `replay --checkpoint`, and a store edited after the checkpoint.
 */
let t: TestCollector;
let work: string;
let key: SigningKey;
beforeEach(async () => {
  t = createTestCollector();
  work = mkdtempSync(join(tmpdir(), 'perimeter-standing-'));
  key = loadSigningKey(createSigningKeyFiles(join(work, 'keys')).privateKeyPath);
  const now = t.clock.nowMs;
  for (const nodeId of ['node-a', 'node-b']) {
    for (let i = 0; i < 3; i++) {
      const body = jsonGauge({ nodeId, points: [{ value: 40 + i, timeMs: now - (30 - i * 10) * 60_000 }] });
      expect((await t.post('metrics', body, { token: t.tokenFor(nodeId) })).status).toBe(200);
    }
  }
});
afterEach(() => {
  t.close();
  rmSync(work, { recursive: true, force: true });
});

function replay(format: string, extra: string[] = []) {
  let out = '';
  let err = '';
  const code = runReplayCommand(
    [
      '--node',
      'node-a',
      '--from',
      '-1h',
      '--to',
      'now',
      '--format',
      format,
      '--data-dir',
      t.dataDir,
      ...extra,
    ],
    {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: {},
      nowMs: () => t.clock.nowMs,
    },
  );
  return { code, out, err };
}
const jsonlHeader = (out: string) => JSON.parse(out.split('\n')[0] as string) as Record<string, unknown>;

describe('replay names the checkpoint it verified against', () => {
  it('without a checkpoint says the chain was verified without a signature, and still holds', () => {
    const table = replay('table');
    expect(table.code).toBe(0);
    expect(table.out).toContain(`checkpoint: ${NO_CHECKPOINT_LINE}\n`);
    expect(jsonlHeader(replay('jsonl').out).checkpoint).toEqual({ line: NO_CHECKPOINT_LINE, ok: true });
  });

  it('names the store’s newest checkpoint by number, time and key fingerprint in table, md and jsonl', () => {
    makeCheckpoint(t.store, key, {}, t.clock.nowMs - 60_000);
    const second = makeCheckpoint(t.store, key, {}, t.clock.nowMs);
    const line = `verified against checkpoint #2 (${new Date(t.clock.nowMs).toISOString()}, key ${key.keyId})`;
    const table = replay('table');
    expect(table.code).toBe(0);
    expect(table.out).toContain(`checkpoint: ${line}\n`);
    expect(replay('md').out).toContain(`- checkpoint: ${line}\n`);
    expect(jsonlHeader(replay('jsonl').out).checkpoint).toEqual({
      line,
      ok: true,
      seq: 2,
      at: new Date(t.clock.nowMs).toISOString(),
      keyId: key.keyId,
      hash: second.hash,
      origin: 'store checkpoint 2',
    });
  });

  it('verifies against an off-box checkpoint given with --checkpoint, and is BROKEN (exit 3) once the store is edited after it', () => {
    const signed = makeCheckpoint(t.store, key, {}, t.clock.nowMs);
    const file = join(work, 'offbox.json');
    writeFileSync(file, JSON.stringify(signed.envelope));
    expect(jsonlHeader(replay('jsonl', ['--checkpoint', file]).out).checkpoint).toMatchObject({
      ok: true,
      seq: 1,
      origin: file,
    });

    // A renamed metric: the node's hash chain still holds (names are not in it), the checkpoint does not.
    t.sqlite().prepare("UPDATE series SET metric = 'hw.fan.speed' WHERE node_id = 'node-a'").run();
    const broken = replay('table', ['--checkpoint', file]);
    expect(broken.code).toBe(3);
    expect(broken.out).toMatch(/^integrity: chain holds/m);
    expect(broken.out).toContain(
      `checkpoint: BROKEN against checkpoint #1 (${new Date(t.clock.nowMs).toISOString()}, key ${key.keyId}): 1 problem(s)`,
    );
    expect(broken.out).toMatch(
      /INTEGRITY PROBLEMS:\n {2}series ≤ \d+: series metadata .* differs from what checkpoint 1 signed/,
    );
  });

  it('refuses --checkpoint with --archive (usage error, exit 2): there is no store to verify', () => {
    expect(() => replay('table', ['--archive', work, '--checkpoint', join(work, 'none.json')])).toThrow(
      /--checkpoint verifies a store/,
    );
  });

  it('does not charge another node’s cut-off batches to this node’s timeline', () => {
    makeCheckpoint(t.store, key, {}, t.clock.nowMs);
    t.sqlite()
      .prepare("DELETE FROM batches WHERE id = (SELECT max(id) FROM batches WHERE node_id = 'node-b')")
      .run();
    const table = replay('table');
    expect(table.out).toContain('checkpoint: verified against checkpoint #1');
    expect(table.code).toBe(0);
  });
});

describe('console node page names the checkpoint', () => {
  async function nodePage(): Promise<string> {
    const signIn = await t.app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.tokenFor('auditor', 'reader') }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const page = await t.app.request('/nodes/node-a', { headers: { cookie } });
    expect(page.status).toBe(200);
    return /<section id="integrity"[\s\S]*?<\/section>/.exec(await page.text())?.[0] ?? '';
  }

  it('says there is none, then names the checkpoint, then BROKEN after an edit', async () => {
    expect(await nodePage()).toContain(`<p id="checkpoint">Signed checkpoint: ${NO_CHECKPOINT_LINE}</p>`);
    makeCheckpoint(t.store, key, {}, t.clock.nowMs);
    const named = await nodePage();
    expect(named).toContain('data-ok="true"');
    expect(named).toContain(
      `Signed checkpoint: verified against checkpoint #1 (${new Date(t.clock.nowMs).toISOString()}, key ${key.keyId})`,
    );
    t.sqlite().prepare("UPDATE series SET metric = 'hw.fan.speed' WHERE node_id = 'node-a'").run();
    const broken = await nodePage();
    expect(broken).toContain('data-ok="false"');
    expect(broken).toContain('Signed checkpoint: BROKEN against checkpoint #1');
    expect(broken).toMatch(/<li>series ≤ \d+: series metadata/);
  });
});
