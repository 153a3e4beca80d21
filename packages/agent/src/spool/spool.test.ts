import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUnsyncedWrite, openSpoolDatabase } from './open-database.ts';
import { openSpool } from './spool.ts';
import type { OverflowReport, Spool } from './types.ts';

let dir: string;
let now: number;
const clock = { nowMs: () => now };
const open: Spool[] = [];

function spoolAt(path: string, maxBytes = 1_000_000, onOverflow?: (r: OverflowReport) => void): Spool {
  const spool = openSpool({ path, maxBytes, clock, ...(onOverflow ? { onOverflow } : {}) });
  open.push(spool);
  return spool;
}
const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-spool-'));
  now = 1_700_000_000_000;
});
afterEach(() => {
  for (const spool of open.splice(0)) spool.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openSpool', () => {
  it('creates the data dir 0700 and the database 0600, in WAL with synchronous=FULL', () => {
    const path = join(dir, 'data', 'spool.db');
    const spool = spoolAt(path);
    spool.append('metrics', bytes(10));
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    spool.close();
    const db = new BetterSqlite3(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    db.close();
  });

  it('keeps one stream id per file across reopen, and a new file gets a new one', () => {
    const first = spoolAt(join(dir, 'a.db'));
    const id = first.streamId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    first.close();
    expect(spoolAt(join(dir, 'a.db')).streamId).toBe(id);
    expect(spoolAt(join(dir, 'b.db')).streamId).not.toBe(id);
  });

  it('refuses a corrupt file with an error naming it, and leaves the bytes alone', () => {
    const path = join(dir, 'spool.db');
    const garbage = Buffer.from('this is not sqlite at all, just garbage bytes '.repeat(200));
    writeFileSync(path, garbage);
    expect(() => openSpool({ path, maxBytes: 1000, clock })).toThrow(
      expect.objectContaining({
        name: 'SpoolError',
        code: 'corrupt',
        message: expect.stringContaining(path),
      }),
    );
    expect(statSync(path).size).toBe(garbage.length);
  });

  it('refuses a file another connection holds exclusively, naming it', () => {
    const path = join(dir, 'spool.db');
    spoolAt(path).close();
    const other = new BetterSqlite3(path);
    other.exec('BEGIN EXCLUSIVE');
    try {
      expect(() => openSpool({ path, maxBytes: 1000, clock, busyTimeoutMs: 50 })).toThrow(
        expect.objectContaining({ code: 'locked', message: expect.stringContaining(path) }),
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('refuses a second agent on the same file while the first is open', () => {
    const path = join(dir, 'spool.db');
    spoolAt(path).append('logs', bytes(3));
    expect(() => openSpool({ path, maxBytes: 1000, clock, busyTimeoutMs: 50 })).toThrow(/locked/);
  });
});

describe('createUnsyncedWrite (what remove uses)', () => {
  it('runs the write with synchronous=NORMAL and restores FULL after it, also when it throws', () => {
    const db = openSpoolDatabase({ path: join(dir, 'spool.db'), busyTimeoutMs: 100 });
    const unsynced = createUnsyncedWrite(db);
    const level = () => db.pragma('synchronous', { simple: true });
    expect(level()).toBe(2);
    expect(unsynced(level)).toBe(1);
    expect(level()).toBe(2);
    expect(() =>
      unsynced(() => {
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(level()).toBe(2);
    db.close();
  });

  it('keeps a removed batch removed and the next append durable across a reopen', () => {
    const path = join(dir, 'spool.db');
    const first = openSpool({ path, maxBytes: 1_000_000, clock });
    const acked = first.append('metrics', bytes(10, 1));
    expect(first.remove(acked)).toBe(true);
    const next = first.append('logs', bytes(10, 2));
    first.close();
    const reopened = spoolAt(path);
    expect(reopened.peekOldest(10).map((b) => b.seq)).toEqual([next]);
    expect(reopened.stats()).toMatchObject({ batches: 1, bytes: 10 });
  });
});

describe('append / peekOldest / remove', () => {
  it('assigns strictly increasing seqs that are never reused after deletes or a reopen', () => {
    const path = join(dir, 'spool.db');
    let spool = spoolAt(path);
    const a = spool.append('metrics', bytes(5));
    const b = spool.append('logs', bytes(6));
    expect(b).toBeGreaterThan(a);
    expect(spool.remove(b)).toBe(true);
    expect(spool.remove(a)).toBe(true);
    spool.close();
    spool = spoolAt(path);
    const c = spool.append('metrics', bytes(7));
    expect(c).toBeGreaterThan(b);
  });

  it('returns the oldest batches in seq order with their bodies and survives reopen', () => {
    const path = join(dir, 'spool.db');
    let spool = spoolAt(path);
    const seqs = [1, 2, 3].map((n) => {
      now += 1000;
      return spool.append(n % 2 ? 'metrics' : 'logs', bytes(n, n));
    });
    spool.close();
    spool = spoolAt(path);
    const batches = spool.peekOldest(2);
    expect(batches.map((b) => b.seq)).toEqual(seqs.slice(0, 2));
    expect(batches[1]).toMatchObject({ signal: 'logs', bytes: 2, createdAtMs: 1_700_000_002_000 });
    expect([...(batches[1]?.body ?? [])]).toEqual([2, 2]);
    now += 5000;
    expect(spool.stats()).toMatchObject({ batches: 3, bytes: 6, oldestAgeMs: 7000, droppedBatches: 0 });
    expect(spool.remove(999)).toBe(false);
  });

  it('notifies subscribers after each committed append', () => {
    const spool = spoolAt(join(dir, 'spool.db'));
    const seen: number[] = [];
    const unsubscribe = spool.subscribe((seq) => seen.push(seq));
    const seq = spool.append('logs', bytes(1));
    unsubscribe();
    spool.append('logs', bytes(1));
    expect(seen).toEqual([seq]);
  });
});

describe('dead letters', () => {
  it('moves a batch with status and reason, out of the line but not lost', () => {
    const spool = spoolAt(join(dir, 'spool.db'));
    const a = spool.append('metrics', bytes(4, 7));
    const b = spool.append('metrics', bytes(4));
    expect(spool.deadLetter(a, 400, 'resourceMetrics[0]: bad')).toBe(true);
    expect(spool.deadLetter(a, 400, 'again')).toBe(false);
    expect(spool.peekOldest(10).map((x) => x.seq)).toEqual([b]);
    const [dead] = spool.listDeadLetters(10);
    expect(dead).toMatchObject({ seq: a, status: 400, reason: 'resourceMetrics[0]: bad', bytes: 4 });
    expect([...(dead?.body ?? [])]).toEqual([7, 7, 7, 7]);
    expect(spool.stats()).toMatchObject({ batches: 1, deadLetters: 1, deadLetterBytes: 4 });
  });
});

describe('byte cap', () => {
  it('drops the oldest batches, never the new one, counts the drop persistently and reports it', () => {
    const path = join(dir, 'spool.db');
    const reports: OverflowReport[] = [];
    let spool = spoolAt(path, 100, (r) => reports.push(r));
    const seqs = [1, 2, 3].map(() => spool.append('metrics', bytes(40)));
    expect(reports).toEqual([
      { droppedBatches: 1, droppedBytes: 40, firstSeq: seqs[0], lastSeq: seqs[0], droppedDeadLetters: 0 },
    ]);
    const big = spool.append('logs', bytes(150));
    expect(spool.peekOldest(10).map((b) => b.seq)).toEqual([big]);
    expect(reports[1]).toMatchObject({ droppedBatches: 2, firstSeq: seqs[1], lastSeq: seqs[2] });
    spool.close();
    spool = spoolAt(path, 100);
    expect(spool.stats()).toMatchObject({ batches: 1, bytes: 150, droppedBatches: 3, droppedBytes: 120 });
  });

  it('keeps the batch the shipper has on the wire and drops the next oldest instead', () => {
    const reports: OverflowReport[] = [];
    const spool = spoolAt(join(dir, 'spool.db'), 100, (r) => reports.push(r));
    const [a, b] = [spool.append('metrics', bytes(40)), spool.append('metrics', bytes(40))];
    spool.markInFlight(a);
    const c = spool.append('metrics', bytes(40));
    expect(spool.peekOldest(10).map((x) => x.seq)).toEqual([a, c]);
    expect(reports).toEqual([
      { droppedBatches: 1, droppedBytes: 40, firstSeq: b, lastSeq: b, droppedDeadLetters: 0 },
    ]);
    // Delivered after all: removing it succeeds, and the drop count says only what was lost.
    expect(spool.remove(a)).toBe(true);
    spool.markInFlight(null);
    expect(spool.stats()).toMatchObject({ batches: 1, droppedBatches: 1 });
  });

  it('drops dead letters before undelivered batches', () => {
    const reports: OverflowReport[] = [];
    const spool = spoolAt(join(dir, 'spool.db'), 100, (r) => reports.push(r));
    const a = spool.append('metrics', bytes(40));
    const b = spool.append('metrics', bytes(40));
    spool.deadLetter(b, 400, 'bad');
    const c = spool.append('metrics', bytes(40));
    expect(reports).toEqual([{ droppedBatches: 0, droppedBytes: 40, droppedDeadLetters: 1 }]);
    expect(spool.peekOldest(10).map((x) => x.seq)).toEqual([a, c]);
    expect(spool.stats()).toMatchObject({ deadLetters: 0, droppedDeadLetters: 1, droppedBatches: 0 });
  });

  it('lets an append from inside onOverflow (the overflow event) land in the same spool', () => {
    let spool: Spool | undefined;
    const events: number[] = [];
    spool = spoolAt(join(dir, 'spool.db'), 100, () => {
      events.push(spool?.append('logs', bytes(5)) ?? -1);
    });
    spool.append('metrics', bytes(60));
    spool.append('metrics', bytes(60));
    expect(events).toHaveLength(1);
    expect(spool.peekOldest(10).map((b) => b.signal)).toEqual(['metrics', 'logs']);
  });
});

describe('maintain', () => {
  it('runs on an empty and a full spool without error', () => {
    const spool = spoolAt(join(dir, 'spool.db'));
    spool.maintain();
    const seq = spool.append('metrics', bytes(100_000));
    spool.remove(seq);
    spool.maintain();
    expect(spool.stats().batches).toBe(0);
  });
});

describe('spool cursors', () => {
  it('commits a cursor with its batch, and keeps it across a reopen', () => {
    const path = join(dir, 'spool.db');
    const spool = spoolAt(path);
    expect(spool.readCursor('logins:file')).toBeNull();
    spool.append('logs', bytes(5), [{ name: 'logins:file', value: '{"offset":120}' }]);
    spool.append('logs', bytes(5), [{ name: 'logins:file', value: '{"offset":240}' }]);
    spool.close();
    expect(spoolAt(path).readCursor('logins:file')).toBe('{"offset":240}');
  });

  it('writes no cursor when the append fails, so the events are read again', () => {
    const spool = spoolAt(join(dir, 'spool.db'));
    spool.append('logs', bytes(5), [{ name: 'c', value: '1' }]);
    const huge = { byteLength: 1 } as unknown as Uint8Array; // not bindable: the insert throws
    expect(() => spool.append('logs', huge, [{ name: 'c', value: '2' }])).toThrow();
    expect(spool.readCursor('c')).toBe('1');
  });

  it('commits a staged cursor with the next logs batch only (not with metrics)', () => {
    const path = join(dir, 'spool.db');
    const spool = spoolAt(path);
    spool.stageCursor('drift:state', '{"a":"on"}');
    spool.append('metrics', bytes(5));
    expect(spool.readCursor('drift:state')).toBeNull();
    spool.append('logs', bytes(5));
    expect(spool.readCursor('drift:state')).toBe('{"a":"on"}');
    spool.stageCursor('drift:state', '{"a":"off"}');
    spool.close();
    // Staged but never committed: after a crash the change is announced again, never lost.
    expect(spoolAt(path).readCursor('drift:state')).toBe('{"a":"on"}');
  });

  it('opens a spool written by an agent before cursors existed, keeping its unsent batches', () => {
    const path = join(dir, 'old.db');
    const old = new BetterSqlite3(path);
    old.exec(`
      CREATE TABLE batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, signal TEXT NOT NULL, created_at_ms INTEGER NOT NULL, body BLOB NOT NULL, bytes INTEGER NOT NULL);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE dead_letter (seq INTEGER PRIMARY KEY, signal TEXT NOT NULL, created_at_ms INTEGER NOT NULL, dead_at_ms INTEGER NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL, body BLOB NOT NULL, bytes INTEGER NOT NULL);
      INSERT INTO batches (signal, created_at_ms, body, bytes) VALUES ('logs', 1, x'0102', 2);
      PRAGMA user_version = 1;
    `);
    old.close();
    const spool = spoolAt(path);
    expect(spool.peekOldest(10).map((b) => b.seq)).toEqual([1]);
    spool.append('logs', bytes(1), [{ name: 'c', value: 'x' }]);
    expect(spool.readCursor('c')).toBe('x');
  });
});
