import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStoreSqlite } from '../test-support/store-sqlite.ts';
import { openStoreFile, type StoreFile } from './store-file.ts';

/** store.tokens and store.audit on a real SQLite file in a temp directory. */
const T0 = Date.parse('2026-11-01T00:00:00Z');
const SHA = 'ab'.repeat(32);

describe('store.tokens and store.audit', () => {
  let dataDir: string;
  let store: StoreFile;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-token-rows-'));
    store = openStoreFile({ dataDir, synchronous: 'NORMAL' });
  });
  afterEach(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const create = (id: string, nodeId: string, atMs: number) =>
    store.tokens.insert(
      { id, nodeId, role: 'node', secretSha256Hex: SHA, createdAtMs: atMs },
      { atMs, actor: 'ops', action: 'token.create', detail: { id, nodeId } },
    );

  it('stores a token with its audit row, and finds it by id with only the secret hash', () => {
    create('t1', 'node-a', T0);
    expect(store.tokens.find('t1')).toEqual({
      nodeId: 'node-a',
      role: 'node',
      secretSha256Hex: SHA,
      revokedAtMs: null,
      expiresAtMs: null,
    });
    expect(store.tokens.find('nope')).toBeUndefined();
    expect(store.audit.list()).toEqual([
      { atMs: T0, actor: 'ops', action: 'token.create', detail: { id: 't1', nodeId: 'node-a' } },
    ]);
  });

  it('stores an expiry beside the token (found and listed with it); a token without one never expires', () => {
    store.tokens.insert(
      {
        id: 't9',
        nodeId: 'node-x',
        role: 'node',
        secretSha256Hex: SHA,
        createdAtMs: T0,
        expiresAtMs: T0 + 5,
      },
      { atMs: T0, actor: 'ops', action: 'token.create', detail: { id: 't9' } },
    );
    create('t1', 'node-a', T0 + 1);
    expect(store.tokens.find('t9')?.expiresAtMs).toBe(T0 + 5);
    expect(store.tokens.list().map((t) => [t.id, t.expiresAtMs])).toEqual([
      ['t9', T0 + 5],
      ['t1', null],
    ]);
  });

  it('refuses a second token with the same id, and writes no audit row for it', () => {
    create('t1', 'node-a', T0);
    expect(() => create('t1', 'node-b', T0 + 1)).toThrowError(/UNIQUE|PRIMARY/);
    expect(store.audit.list()).toHaveLength(1);
    expect(store.tokens.list().map((t) => t.nodeId)).toEqual(['node-a']);
  });

  it('revokes by id or by node, audits only a revocation that happened, and never revokes twice', () => {
    create('t1', 'node-a', T0);
    create('t2', 'node-a', T0 + 1);
    create('t3', 'node-b', T0 + 2);
    const audit = (revoked: number) => ({
      atMs: T0 + 10,
      actor: 'ops',
      action: 'token.revoke',
      detail: { revoked },
    });
    expect(store.tokens.revoke({ tokenId: 't1' }, T0 + 10, audit)).toBe(1);
    expect(store.tokens.revoke({ nodeId: 'node-a' }, T0 + 20, audit)).toBe(1);
    expect(store.tokens.revoke({ tokenId: 't1' }, T0 + 30, audit)).toBe(0);
    expect(store.tokens.list().map((t) => [t.id, t.revokedAtMs])).toEqual([
      ['t1', T0 + 10],
      ['t2', T0 + 20],
      ['t3', null],
    ]);
    expect(store.audit.countsByAction()).toEqual(
      expect.arrayContaining([
        { action: 'token.create', count: 3 },
        { action: 'token.revoke', count: 2 },
      ]),
    );
  });

  it('keeps the newest last use of a token (an older one arriving late does not lower it)', () => {
    create('t1', 'node-a', T0);
    expect(store.tokens.list()[0]?.lastUsedAtMs).toBeNull();
    store.tokens.touchLastUsed('t1', T0 + 60_000);
    store.tokens.touchLastUsed('t1', T0 + 30_000);
    expect(store.tokens.list()[0]?.lastUsedAtMs).toBe(T0 + 60_000);
  });

  it('lists audit rows newest first, as many as asked', () => {
    for (let i = 0; i < 5; i++) {
      store.audit.record({ atMs: T0 + i, actor: 'ops', action: 'console.sign_in', detail: { i } });
    }
    expect(store.audit.list(2).map((entry) => entry.detail)).toEqual([{ i: 4 }, { i: 3 }]);
  });

  it('sees a change another process commits at the next lookup, though lookups are remembered between them', () => {
    create('t1', 'node-a', T0);
    create('t2', 'node-b', T0);
    expect(store.tokens.find('t1')?.revokedAtMs).toBeNull();
    // Another connection: the CLI revoking while the collector serves.
    const other = openStoreSqlite(dataDir);
    try {
      other.prepare('UPDATE tokens SET revoked_at_ms = ? WHERE id = ?').run(T0 + 1, 't1');
      expect(store.tokens.find('t1')?.revokedAtMs).toBe(T0 + 1);
      expect(store.tokens.find('t2')?.revokedAtMs).toBeNull();
      other.prepare('INSERT INTO token_expiry (token_id, expires_at_ms) VALUES (?, ?)').run('t2', T0 + 5);
      expect(store.tokens.find('t2')?.expiresAtMs).toBe(T0 + 5);
      other.prepare('DELETE FROM tokens WHERE id = ?').run('t2');
      expect(store.tokens.find('t2')).toBeUndefined();
    } finally {
      other.close();
    }
  });

  it('sees its own revocation and a new token at once', () => {
    create('t1', 'node-a', T0);
    expect(store.tokens.find('t1')?.revokedAtMs).toBeNull();
    expect(store.tokens.find('t3')).toBeUndefined();
    store.tokens.revoke({ nodeId: 'node-a' }, T0 + 2, () => ({
      atMs: T0 + 2,
      actor: 'ops',
      action: 'token.revoke',
      detail: {},
    }));
    expect(store.tokens.find('t1')?.revokedAtMs).toBe(T0 + 2);
    create('t3', 'node-c', T0 + 3);
    expect(store.tokens.find('t3')?.nodeId).toBe('node-c');
  });
});
