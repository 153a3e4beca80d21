import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TailState } from './tail-file.ts';
import { readNewLines } from './tail-file.ts';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-tail-'));
  path = join(dir, 'auth.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const LONG = (n: number) => `line ${n} ${'x'.repeat(70)}\n`; // > 64 bytes, so the head fingerprint is set

describe('readNewLines with real files', () => {
  it('starts at the end by default, then returns appended lines once', async () => {
    writeFileSync(path, 'old 1\nold 2\n');
    let r = await readNewLines(path, null);
    expect(r.lines).toEqual([]);
    appendFileSync(path, 'new 1\nnew 2\n');
    r = await readNewLines(path, r.state);
    expect(r.lines).toEqual(['new 1', 'new 2']);
    r = await readNewLines(path, r.state);
    expect(r.lines).toEqual([]);
    expect(r.state?.offset).toBe(24);
  });

  it("startAt 'start' reads history; CRLF endings are trimmed", async () => {
    writeFileSync(path, 'a\r\nb\n');
    expect((await readNewLines(path, null, { startAt: 'start' })).lines).toEqual(['a', 'b']);
  });

  it('keeps a partial line until its newline arrives, without splitting a multi-byte character', async () => {
    writeFileSync(path, '');
    let r = await readNewLines(path, null);
    appendFileSync(path, 'done\nhalf é');
    r = await readNewLines(path, r.state);
    expect(r.lines).toEqual(['done']);
    appendFileSync(path, Buffer.from('😀', 'utf8').subarray(0, 2));
    r = await readNewLines(path, r.state);
    expect(r.lines).toEqual([]);
    appendFileSync(path, Buffer.concat([Buffer.from('😀', 'utf8').subarray(2), Buffer.from(' end\n')]));
    r = await readNewLines(path, r.state);
    expect(r.lines).toEqual(['half é😀 end']);
  });

  it('rotation by rename: finishes the old inode (last line too), then reads the new file from 0', async () => {
    writeFileSync(path, LONG(1));
    let r = await readNewLines(path, null, { startAt: 'start' });
    expect(r.lines).toEqual([LONG(1).trimEnd()]);
    appendFileSync(path, `${LONG(2)}unterminated`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, LONG(3));
    r = await readNewLines(path, r.state);
    expect(r.rotated).toBe(true);
    expect(r.lines).toEqual([LONG(2).trimEnd(), 'unterminated', LONG(3).trimEnd()]);
    appendFileSync(path, LONG(4));
    r = await readNewLines(path, r.state);
    expect(r.lines).toEqual([LONG(4).trimEnd()]);
  });

  it('rotation where the old file is gone: the new file from 0 (even when it reuses the inode)', async () => {
    writeFileSync(path, LONG(1));
    const first = await readNewLines(path, null);
    unlinkSync(path);
    writeFileSync(path, 'fresh\n');
    const r = await readNewLines(path, first.state);
    // Linux tmpfs/ext4 often hand the freed inode number straight back: then it reads as a truncation.
    expect(r.rotated || r.truncated).toBe(true);
    expect(r.lines).toEqual(['fresh']);
  });

  it('copytruncate: a shorter file is read again from 0', async () => {
    writeFileSync(path, LONG(1) + LONG(2));
    const first = await readNewLines(path, null);
    truncateSync(path, 0);
    appendFileSync(path, 'after truncate\n');
    const r = await readNewLines(path, first.state);
    expect(r.truncated).toBe(true);
    expect(r.lines).toEqual(['after truncate']);
  });

  it('copytruncate that regrew past the old offset is caught by the head fingerprint', async () => {
    writeFileSync(path, LONG(1));
    const first = await readNewLines(path, null);
    writeFileSync(path, LONG(7) + LONG(8)); // same inode, new content, longer than before
    const r = await readNewLines(path, first.state);
    expect(r.truncated).toBe(true);
    expect(r.lines).toEqual([LONG(7).trimEnd(), LONG(8).trimEnd()]);
  });

  it('caps one read at maxBytes; the rest comes on the next call; an over-long line is cut, not stalled', async () => {
    writeFileSync(path, 'aaaa\nbbbb\ncccc\n');
    let r = await readNewLines(path, null, { startAt: 'start', maxBytes: 12 });
    expect(r.lines).toEqual(['aaaa', 'bbbb']);
    r = await readNewLines(path, r.state, { maxBytes: 12 });
    expect(r.lines).toEqual(['cccc']);
    appendFileSync(path, `${'z'.repeat(20)}\n`);
    r = await readNewLines(path, r.state, { maxBytes: 8 });
    expect(r.lines).toEqual(['zzzzzzzz']);
  });

  it('a missing file gives no lines and keeps the state', async () => {
    const state: TailState = { dev: 1, ino: 2, offset: 3, head: null };
    expect(await readNewLines(join(dir, 'nope.log'), state)).toEqual({
      lines: [],
      state,
      rotated: false,
      truncated: false,
      missing: true,
    });
  });
});
