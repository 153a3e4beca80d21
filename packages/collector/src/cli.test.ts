import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStoreFile } from './store/store-file.ts';

const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(import.meta.dirname, 'cli.ts'), ...args], { encoding: 'utf8' });

describe('perimeter-collector command line', () => {
  it("prints its version and Node's with --version, exit 0", () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    const result = cli(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`perimeter-collector ${version} (node ${process.versions.node})\n`);
  });

  it('prints usage with --help (exit 0) and without a command (exit 2)', () => {
    expect(cli(['--help'])).toMatchObject({ status: 0, stdout: expect.stringContaining('--version') });
    expect(cli([])).toMatchObject({ status: 2, stdout: expect.stringContaining('Usage:') });
  });
});

describe('audit actor of CLI commands', () => {
  it('names the OS account, not $USER (anyone sets it)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-cli-actor-'));
    const created = spawnSync(
      process.execPath,
      [join(import.meta.dirname, 'cli.ts'), 'tokens', 'create', '--node', 'n1', '--data-dir', dataDir],
      { encoding: 'utf8', env: { ...process.env, USER: 'mallory', LOGNAME: 'mallory' } },
    );
    expect(created.status).toBe(0);
    const store = openStoreFile({ dataDir });
    const actors = store.audit.list().map((entry) => entry.actor);
    store.close();
    expect(actors).toEqual([`cli:${userInfo().username}`]);
    expect(userInfo().username).not.toBe('mallory');
    rmSync(dataDir, { recursive: true, force: true });
  });
});
