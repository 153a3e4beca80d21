/**
 * Pull-style, rotation-safe tail of a text log (/var/log/auth.log, /var/log/secure). The caller
 * keeps the returned state (it is plain JSON) and passes it back on the next poll, so a restart of
 * the agent resumes where it stopped.
 *
 * - `offset` is the byte after the last complete line handed out: a trailing partial line stays in
 *   the file and is read again once its newline has arrived (nothing half-decoded is kept, and a
 *   multi-byte character is never split).
 * - Rotation by rename (logrotate's default): the path now names another inode. The old inode is
 *   looked up by its number in the same directory (`auth.log.1`), read to its end — its last line
 *   even without a newline, since nothing writes there any more — then the new file from 0.
 * - Truncation (logrotate `copytruncate`): size below offset, or the first bytes no longer the
 *   ones seen before (the file regrew past the old offset between two polls) → read from 0.
 * - One call reads at most `maxBytes` (default 1 MiB) per file; the rest comes on the next call. A
 *   single line longer than that is handed out cut at the cap rather than stalling the tail.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface TailState {
  dev: number;
  ino: number;
  offset: number;
  /** sha256 prefix of the file's first HEAD_BYTES bytes, once it has that many; detects copytruncate. */
  head: string | null;
}

export interface ReadNewLinesResult {
  lines: string[];
  state: TailState | null;
  /** What happened since the last call, for the sampler's own logging. */
  rotated: boolean;
  truncated: boolean;
  /** The file does not exist (yet): no lines, and the state kept. */
  missing?: true;
}

export interface ReadNewLinesOptions {
  maxBytes?: number;
  /** Where a new file (no state yet) starts: 'end' skips history (default), 'start' reads it all. */
  startAt?: 'start' | 'end';
}

const HEAD_BYTES = 64;
export const DEFAULT_MAX_READ_BYTES = 1024 * 1024;

async function headOf(handle: FileHandle, size: number): Promise<string | null> {
  if (size < HEAD_BYTES) return null;
  const buffer = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
  if (bytesRead < HEAD_BYTES) return null;
  return createHash('sha256').update(buffer).digest('hex').slice(0, 16);
}

/** Complete lines from `offset` (at most maxBytes), and the offset after the last one. */
async function readLines(
  handle: FileHandle,
  offset: number,
  size: number,
  maxBytes: number,
  finished: boolean,
): Promise<{ lines: string[]; offset: number }> {
  const length = Math.min(size - offset, maxBytes);
  if (length <= 0) return { lines: [], offset };
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  const chunk = buffer.subarray(0, bytesRead);
  let end = chunk.lastIndexOf(0x0a) + 1;
  const atEof = offset + bytesRead >= size;
  if (end === 0 && bytesRead === maxBytes) end = bytesRead; // one over-long line: cut, don't stall
  if (finished && atEof) end = bytesRead; // a rotated file's unterminated last line is complete
  if (end === 0) return { lines: [], offset };
  const text = chunk.subarray(0, end).toString('utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return { lines: lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)), offset: offset + end };
}

async function findByInode(path: string, dev: number, ino: number): Promise<string | null> {
  const dir = dirname(path);
  const prefix = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || name === prefix) continue;
    try {
      const s = await stat(join(dir, name));
      if (s.ino === ino && s.dev === dev) return join(dir, name);
    } catch {
      // vanished between readdir and stat
    }
  }
  return null;
}

async function drainRotated(path: string, state: TailState, maxBytes: number): Promise<string[]> {
  const old = await findByInode(path, state.dev, state.ino);
  if (old === null) return []; // deleted or compressed already: what was left of it is lost
  const handle = await open(old, 'r');
  try {
    const { size } = await handle.stat();
    return (await readLines(handle, state.offset, size, maxBytes, true)).lines;
  } finally {
    await handle.close();
  }
}

/**
 * The lines appended to `path` since `state` (null: first call). A missing file returns no lines
 * and keeps the state, so the tail picks up when it is created. Errors other than ENOENT are thrown.
 */
export async function readNewLines(
  path: string,
  state: TailState | null,
  options: ReadNewLinesOptions = {},
): Promise<ReadNewLinesResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { lines: [], state, rotated: false, truncated: false, missing: true };
    throw error;
  }
  try {
    const s = await handle.stat();
    const head = await headOf(handle, s.size);
    const lines: string[] = [];
    let rotated = false;
    let truncated = false;
    let offset: number;
    if (state === null) {
      offset = options.startAt === 'start' ? 0 : s.size;
    } else if (state.ino !== s.ino || state.dev !== s.dev) {
      rotated = true;
      lines.push(...(await drainRotated(path, state, maxBytes)));
      offset = 0;
    } else if (s.size < state.offset || (state.head !== null && head !== state.head)) {
      truncated = true;
      offset = 0;
    } else {
      offset = state.offset;
    }
    const read = await readLines(handle, offset, s.size, maxBytes, false);
    lines.push(...read.lines);
    // A first call at 'end' may land mid-line; later calls always stop after a newline.
    return { lines, state: { dev: s.dev, ino: s.ino, offset: read.offset, head }, rotated, truncated };
  } finally {
    await handle.close();
  }
}
