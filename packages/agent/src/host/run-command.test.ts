import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunCommand, isOnPath } from './run-command.ts';

describe('runCommand on real programs', () => {
  const run = createRunCommand({ timeoutMs: 5000 });

  it('answers ok, failed with the exit code, and not-found for a program not installed', async () => {
    expect(await run(['sh', '-c', 'echo hi'])).toEqual({ status: 'ok', stdout: 'hi\n', stderr: '' });
    expect(await run(['sh', '-c', 'echo why >&2; exit 3'])).toEqual({
      status: 'failed',
      exitCode: 3,
      stderr: 'why\n',
    });
    expect(await run(['perimeter-no-such-program', '--version'])).toEqual({
      status: 'not-found',
      command: 'perimeter-no-such-program',
    });
    expect(await run(['/nowhere/perimeter-no-such-program'])).toEqual({
      status: 'not-found',
      command: '/nowhere/perimeter-no-such-program',
    });
  });

  it('looks a program up on PATH as execvp does: executable files only, empty entries skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perimeter-path-'));
    writeFileSync(join(dir, 'plain'), '#!/bin/sh\n');
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tool'), 0o755);
    expect(await isOnPath('tool', `::/nowhere:${dir}`)).toBe(true);
    expect(await isOnPath('plain', dir)).toBe(false);
    expect(await isOnPath('tool', '/nowhere')).toBe(false);
    expect(await isOnPath('tool', '')).toBe(false);
    expect(await isOnPath('./anything', '')).toBe(true);
    expect(await isOnPath('sh')).toBe(true);
  });
});
