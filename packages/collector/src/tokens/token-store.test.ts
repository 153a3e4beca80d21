import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storePath } from '../store/db.ts';
import { openStoreFile, type StoreFile } from '../store/store-file.ts';
import { createToken, createTokenVerifier, listTokens, revokeTokens } from './token-store.ts';
import { runTokensCommand } from './tokens-command.ts';

/** The secret part of `pmt_<id>_<secret>`; the base64url secret may itself contain `_`. */
const secretOf = (token: string) => token.slice('pmt_'.length + 16 + 1);

describe('tokens', () => {
  let dataDir: string;
  let store: StoreFile;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-tokens-'));
    store = openStoreFile({ dataDir });
  });
  afterEach(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('verifies a token for its node and role, and stores only a hash of the secret', () => {
    const { id, token } = createToken(store, { nodeId: 'mini-01', role: 'node', actor: 'test', nowMs: 1 });
    expect(createTokenVerifier(store)(token)).toEqual({ id, nodeId: 'mini-01', role: 'node' });
    store.close(); // closing the last connection checkpoints the WAL into the file
    const secret = secretOf(token);
    expect(secret).toHaveLength(43);
    expect(readFileSync(storePath(dataDir)).includes(Buffer.from(secret))).toBe(false);
    store = openStoreFile({ dataDir });
  });

  it('refuses a revoked token and a token with the right id but wrong secret', () => {
    const { token } = createToken(store, { nodeId: 'mini-01', role: 'node', actor: 'test', nowMs: 1 });
    const verify = createTokenVerifier(store);
    expect(verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(revokeTokens(store, { nodeId: 'mini-01', actor: 'test', nowMs: 2 })).toBe(1);
    expect(verify(token)).toBeNull();
    expect(listTokens(store)[0]?.revokedAtMs).toBe(2);
  });

  it('writes an audit row for every create and revoke', () => {
    const { id } = createToken(store, { nodeId: 'mini-02', role: 'reader', actor: 'cli:alice', nowMs: 5 });
    revokeTokens(store, { tokenId: id, actor: 'cli:bob', nowMs: 6 });
    const actions = store.audit.list().map((entry) => `${entry.actor} ${entry.action}`);
    expect(actions).toEqual(['cli:bob token.revoke', 'cli:alice token.create']);
  });

  it('prints the new token alone on stdout from the CLI, and lists without secrets', () => {
    store.close();
    let out = '';
    const io = {
      stdout: { write: (text: string) => (out += text) },
      env: { PERIMETER_DATA_DIR: dataDir },
      nowMs: () => 10,
    };
    expect(runTokensCommand(['create', '--node', 'mini-03'], io)).toBe(0);
    const token = out.trim();
    expect(token).toMatch(/^pmt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    out = '';
    expect(runTokensCommand(['list', '--json'], io)).toBe(0);
    expect(out).not.toContain(secretOf(token));
    expect(JSON.parse(out)[0]).toMatchObject({ nodeId: 'mini-03', role: 'node', revokedAtMs: null });
    expect(() => runTokensCommand(['create'], io)).toThrowError(/--node/);
    store = openStoreFile({ dataDir });
  });
});
