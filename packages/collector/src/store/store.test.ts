import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreOpenError, storePath } from './db.ts';
import { openStore } from './store.ts';

const point = (value: number, timeMs: number) => ({
  metric: 'hw.temperature',
  unit: 'Cel',
  kind: 'gauge' as const,
  attributes: [['hw.name', 'cpu'] as const],
  timeMs,
  value,
});

const batch = (seq: number, values: Array<[number, number]>) => ({
  nodeId: 'n1',
  streamId: 'stream-0001',
  seq,
  signal: 'metrics' as const,
  receivedAtMs: 1_000 + seq,
  contentType: 'application/json',
  contentEncoding: 'identity',
  payload: Buffer.from(`payload ${seq}`),
  resources: [{ attributes: {}, points: values.map(([v, t]) => point(v, t)), events: [] }],
});

describe('store', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-store-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the database 0600 in a 0700 directory', () => {
    const nested = join(dataDir, 'collector');
    openStore({ dataDir: nested }).close();
    expect(statSync(nested).mode & 0o777).toBe(0o700);
    expect(statSync(storePath(nested)).mode & 0o777).toBe(0o600);
  });

  it('refuses to start on a corrupt file, names it, and leaves it byte for byte untouched', () => {
    const path = storePath(dataDir);
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(path, garbage);
    expect(() => openStore({ dataDir })).toThrowError(StoreOpenError);
    expect(() => openStore({ dataDir })).toThrowError(new RegExp(`${path}.*corrupt`));
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('refuses to start on a store another process holds locked', () => {
    openStore({ dataDir }).close();
    const holder = new Database(storePath(dataDir));
    holder.exec('BEGIN EXCLUSIVE');
    try {
      expect(() => openStore({ dataDir, busyTimeoutMs: 50 })).toThrowError(/locked/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('keeps the newest value per series across a crash without a checkpoint', () => {
    const first = openStore({ dataDir });
    first.writeBatch(batch(1, [[40, 10]]));
    first.checkpoint();
    first.writeBatch(batch(2, [[55, 30]]));
    first.writeBatch(batch(3, [[42, 20]])); // late, older reading: must not win
    // No checkpoint and no close, as after kill -9: the second open must replay what was unsaved.
    const second = openStore({ dataDir });
    const [seriesId, latest] = [...second.latest.entries()][0] as [number, { tsMs: number; value: number }];
    expect(second.series.get(seriesId)?.metric).toBe('hw.temperature');
    expect(latest).toEqual({ tsMs: 30, value: 55 });
    second.close();
    first.close();
  });

  it('continues each node’s hash chain after a restart', () => {
    const first = openStore({ dataDir });
    first.writeBatch(batch(1, [[1, 1]]));
    first.close();
    const second = openStore({ dataDir });
    second.writeBatch(batch(2, [[2, 2]]));
    const rows = [...second.chain.walk('n1')].flatMap((step) => (step.kind === 'batch' ? [step.batch] : []));
    expect(rows).toHaveLength(2);
    expect(rows[1]?.prev_hash).toBe(rows[0]?.hash);
    second.close();
  });
});

describe('instance lock', () => {
  it('lets one serve hold a data directory at a time, and frees it on release', async () => {
    const { acquireInstanceLock } = await import('./instance-lock.ts');
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-lock-'));
    const first = acquireInstanceLock(dataDir);
    expect(() => acquireInstanceLock(dataDir)).toThrowError(/in use by another perimeter-collector/);
    first.release();
    acquireInstanceLock(dataDir).release();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
