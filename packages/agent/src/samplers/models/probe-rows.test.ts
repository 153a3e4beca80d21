import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelStoreProbeRows } from './probe-rows.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'perimeter-models-probe-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('models probe rows', () => {
  it('one row per store: readable, absent, or unreadable with the reason, never a throw', () => {
    mkdirSync(join(root, 'ok/manifests'), { recursive: true });
    mkdirSync(join(root, 'loop'), { recursive: true });
    // As root chmod cannot deny a read; a symlink loop fails the listing the same way (ELOOP).
    symlinkSync('manifests', join(root, 'loop/manifests'));
    const rows = modelStoreProbeRows(root, [
      { kind: 'ollama', dir: '/ok' },
      { kind: 'huggingface', dir: '/absent' },
      { kind: 'ollama', dir: '/loop' },
    ]);
    expect(rows.map((row) => [row.source, row.status])).toEqual([
      ['ollama /ok', 'available'],
      ['huggingface /absent', 'not on this host'],
      ['ollama /loop', 'error'],
    ]);
    expect(rows[2]?.reason).toMatch(/^not readable by this user \(ELOOP\)/);
  });
});
