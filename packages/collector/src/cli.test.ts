import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

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
