import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The Linux least-privilege path on this machine, with a real unprivileged user
 * (docs/least-privilege.md): the agent reads /var/log/auth.log (root:adm 0640) through group adm,
 * never as root, and perimeter-agent.service grants exactly that with SupplementaryGroups=. A user
 * and a file are created, read as that user without and with the group, and removed again.
 */
const DEPLOY = resolve(import.meta.dirname, '../../deploy');
const USER = 'perimeter-grptest';
const canRun =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('getent', ['group', 'adm']).status === 0 &&
  spawnSync('which', ['useradd', 'runuser']).status === 0;
if (!canRun) console.warn('linux-groups.test.ts: needs Linux, root, group adm, useradd and runuser; skipped');

const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
const readAs = (path: string) => run(['runuser', '-u', USER, '--', 'head', '-n', '1', path]);

describe.skipIf(!canRun)('reading the auth log through group adm, as a real unprivileged user', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-groups-'));
  afterAll(() => {
    run(['userdel', USER]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused (EACCES) outside adm and works in adm, as the unit sets it up', () => {
    run(['userdel', USER]); // a leftover of an interrupted run
    expect(
      run(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]).status,
    ).toBe(0);
    chmodSync(dir, 0o755);
    const authLog = join(dir, 'auth.log');
    writeFileSync(
      authLog,
      'Dec 10 07:13:43 LabSZ sshd[24227]: Failed password for root from 5.36.59.76 port 42393 ssh2\n',
    );
    const adm = Number(run(['getent', 'group', 'adm']).stdout.split(':')[2]);
    chownSync(authLog, 0, adm);
    chmodSync(authLog, 0o640);

    const refused = readAs(authLog);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/Permission denied/);

    expect(run(['usermod', '-a', '-G', 'adm', USER]).status).toBe(0);
    const read = readAs(authLog);
    expect(read.status, read.stderr).toBe(0);
    expect(read.stdout).toContain('Failed password for root');

    // What the service grants: adm for auth.log, systemd-journal for journalctl; never root.
    const unit = readFileSync(join(DEPLOY, 'systemd/perimeter-agent.service'), 'utf8');
    expect(unit).toMatch(/^SupplementaryGroups=systemd-journal adm$/m);
    expect(unit).toMatch(/^User=perimeter-agent$/m);
  });
});
