import { fdatasyncSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyNodeChain } from '../evidence/integrity.ts';
import { openStore, type Store } from './store.ts';

const batch = (nodeId: string, seq: number, value: number) => ({
  nodeId,
  streamId: `stream-${nodeId}`,
  seq,
  signal: 'metrics' as const,
  receivedAtMs: 1_000 + seq,
  contentType: 'application/json',
  contentEncoding: 'identity',
  payload: Buffer.from(`payload ${nodeId} ${seq}`),
  resources: [
    {
      attributes: { 'perimeter.node.id': nodeId },
      points: [
        {
          metric: 'hw.temperature',
          unit: 'Cel',
          kind: 'gauge' as const,
          attributes: [['hw.id', `s-${seq}`] as const],
          timeMs: 1_000 + seq,
          value,
        },
      ],
      events: [],
    },
  ],
});

describe('group commit (store.writeBatchGrouped)', () => {
  let dataDir: string;
  let store: Store;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-group-commit-'));
    store = openStore({ dataDir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('commits concurrent batches together, each acknowledged with its own outcome after the commit', async () => {
    const before = store.batches.countBetween(0, Number.MAX_SAFE_INTEGER);
    const writes = Array.from({ length: 10 }, (_, i) => store.writeBatchGrouped(batch('n1', i + 1, i)));
    // Nothing is written until the group commits on the next turn: no 2xx can precede the commit.
    expect(store.batches.countBetween(0, Number.MAX_SAFE_INTEGER)).toBe(before);
    const outcomes = await Promise.all(writes);
    expect(outcomes.map((o) => o.outcome)).toEqual(Array(10).fill('stored'));
    expect(new Set(outcomes.map((o) => (o.outcome === 'stored' ? o.batchId : 0))).size).toBe(10);
    expect(store.batches.countBetween(0, Number.MAX_SAFE_INTEGER)).toBe(10);
    // Later batches of the node in the same group chain to the earlier ones.
    const verdict = verifyNodeChain(store.chain, 'n1');
    expect(verdict.ok).toBe(true);
    expect(verdict.checked).toBe(10);
    expect(store.nodes().find((node) => node.nodeId === 'n1')?.lastSeenMs).toBe(1_010);
    expect([...store.latest.entries()]).toHaveLength(10);
  });

  it('finds a repeated (stream, seq) inside one group as a duplicate, and a foreign stream as foreign', async () => {
    const [first, again, foreign] = await Promise.all([
      store.writeBatchGrouped(batch('n1', 1, 1)),
      store.writeBatchGrouped(batch('n1', 1, 1)),
      store.writeBatchGrouped({ ...batch('n2', 2, 2), streamId: 'stream-n1' }),
    ]);
    expect(first?.outcome).toBe('stored');
    expect(again).toEqual({
      outcome: 'duplicate',
      batchId: first?.outcome === 'stored' ? first.batchId : -1,
    });
    expect(foreign).toEqual({ outcome: 'foreign-stream', ownerNodeId: 'n1' });
  });

  it('fails only the bad batch of a group: the others are retried alone and stored', async () => {
    // A batch that throws inside the transaction (no payload to digest).
    const bad = { ...batch('n1', 2, 2), payload: undefined as unknown as Uint8Array };
    const results = await Promise.allSettled([
      store.writeBatchGrouped(batch('n1', 1, 1)),
      store.writeBatchGrouped(bad),
      store.writeBatchGrouped(batch('n2', 1, 3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.batches.countBetween(0, Number.MAX_SAFE_INTEGER)).toBe(2);
    expect(verifyNodeChain(store.chain, 'n1').ok).toBe(true);
    expect(verifyNodeChain(store.chain, 'n2').ok).toBe(true);
  });
});

describe('group commit syncs the WAL off the event loop (wal-sync.ts)', () => {
  let dataDir: string;
  let store: Store | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-wal-sync-'));
  });
  afterEach(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** An fdatasync that completes only when the test says, counting the syncs asked for. */
  function heldSync() {
    const pending: Array<{ fd: number; done: (error: NodeJS.ErrnoException | null) => void }> = [];
    return {
      pending,
      fdatasync: (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
        pending.push({ fd, done });
      },
      release(error: NodeJS.ErrnoException | null = null) {
        const next = pending.shift();
        if (next === undefined) throw new Error('no sync is waiting');
        // The real sync on the real WAL descriptor, so the file is what the test held back.
        if (error === null) fdatasyncSync(next.fd);
        next.done(error);
      },
    };
  }
  const turns = async (count: number) => {
    for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  it('answers a batch only after the WAL sync that follows its commit, and lets later groups share the next sync', async () => {
    const sync = heldSync();
    store = openStore({ dataDir, walSync: { fdatasync: sync.fdatasync } });
    let answered = 0;
    const first = store.writeBatchGrouped(batch('n1', 1, 1)).then((outcome) => {
      answered++;
      return outcome;
    });
    await turns(3);
    // Committed (a reader sees it) but not yet synced: no answer yet.
    expect(store.batches.countBetween(0, Number.MAX_SAFE_INTEGER)).toBe(1);
    expect(sync.pending).toHaveLength(1);
    expect(answered).toBe(0);

    // Two more groups commit while the first sync runs; they wait for one sync started after them.
    const second = store.writeBatchGrouped(batch('n1', 2, 2));
    await turns(2);
    const third = store.writeBatchGrouped(batch('n2', 1, 3));
    await turns(2);
    expect(store.batches.countBetween(0, Number.MAX_SAFE_INTEGER)).toBe(3);
    expect(sync.pending).toHaveLength(1);

    sync.release();
    expect((await first).outcome).toBe('stored');
    await turns(2);
    expect(sync.pending).toHaveLength(1);
    let laterAnswered = false;
    void Promise.all([second, third]).then(() => {
      laterAnswered = true;
    });
    await turns(3);
    expect(laterAnswered).toBe(false);
    sync.release();
    expect((await second).outcome).toBe('stored');
    expect((await third).outcome).toBe('stored');
    expect(verifyNodeChain(store.chain, 'n1').ok).toBe(true);
  });

  it('answers a failed sync as a storage error, and the client retry finds the batch stored once', async () => {
    const sync = heldSync();
    store = openStore({ dataDir, walSync: { fdatasync: sync.fdatasync } });
    const write = store.writeBatchGrouped(batch('n1', 1, 1));
    await turns(3);
    sync.release(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(write).rejects.toMatchObject({ code: 'SQLITE_IOERR_FSYNC' });
    const retry = store.writeBatchGrouped(batch('n1', 1, 1));
    await turns(3);
    sync.release();
    expect((await retry).outcome).toBe('duplicate');
    expect(store.batches.countBetween(0, Number.MAX_SAFE_INTEGER)).toBe(1);
  });

  it('syncs the real WAL file and answers', async () => {
    store = openStore({ dataDir });
    const outcomes = await Promise.all(
      [1, 2, 3].map((seq) => (store as Store).writeBatchGrouped(batch('n1', seq, seq))),
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(['stored', 'stored', 'stored']);
    await store.close();
    store = openStore({ dataDir });
    expect(store.batches.countBetween(0, Number.MAX_SAFE_INTEGER)).toBe(3);
  });
});
