import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * deploy/macos/install.sh on Linux, where dscl and launchctl do not exist: bash -n, shellcheck
 * where installed, and --dry-run against a fake PATH whose dscl, launchctl, id, visudo and stat
 * answer from a scratch state directory and record every call. The plan ("+ command" lines) is
 * asserted: the user is created in its own group only, the plist installed and bootstrapped;
 * --uninstall reverses each step; and with everything already in place (a staged
 * PERIMETER_DESTDIR and a user that exists) a second run plans nothing. Dry runs only ever ran
 * read-only look-ups, which the call log shows.
 */

import { MACOS_PRIVILEGED_JOBS } from '../../packages/agent/src/privileged/macos-privileged-jobs.ts';

const DEPLOY = resolve(import.meta.dirname, '../../deploy');
const SCRIPT = join(DEPLOY, 'macos/install.sh');
const LABEL = 'com.perimeter.agent';

const shellcheck = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin']
  .map((dir) => join(dir, 'shellcheck'))
  .find((path) => path.startsWith('/') && existsSync(path));
if (shellcheck === undefined) {
  console.warn(
    'macos-install.test.ts: shellcheck not installed (Debian: apt-get install -y shellcheck); skipped',
  );
}

/** Each stub logs `name<TAB>arg<TAB>…` to $STUB_STATE/calls.log, then answers from $STUB_STATE. */
const STUB_PRELUDE = `#!/usr/bin/env bash
{ printf '%s' "$(basename "$0")"; printf '\\t%s' "$@"; printf '\\n'; } >>"$STUB_STATE/calls.log"
`;
const STUBS: Record<string, string> = {
  dscl: `case "$2 $3" in
  "-read /Users/"*) f="$STUB_STATE/users/\${3#/Users/}"; [ -f "$f" ] || { echo "No such key" >&2; exit 56; }; echo "UniqueID: $(cat "$f")" ;;
  "-read /Groups/admin") echo "GroupMembership: root alice$( [ -f "$STUB_STATE/admin-member" ] && echo ' _perimeter')" ;;
  "-read /Groups/"*) f="$STUB_STATE/groups/\${3#/Groups/}"; [ -f "$f" ] || { echo "No such key" >&2; exit 56; }; echo "PrimaryGroupID: $(cat "$f")" ;;
  "-list /Users") printf 'root 0\\n_www 70\\n_taken 499\\n'; for f in "$STUB_STATE"/users/*; do [ -f "$f" ] && echo "$(basename "$f") $(cat "$f")"; done; true ;;
  "-list /Groups") printf 'wheel 0\\nadmin 80\\n_taken 498\\n'; for f in "$STUB_STATE"/groups/*; do [ -f "$f" ] && echo "$(basename "$f") $(cat "$f")"; done; true ;;
  *) exit 0 ;;
esac`,
  launchctl: `case "$1" in
  print) [ -f "$STUB_STATE/loaded" ] || { echo "Could not find service" >&2; exit 113; } ;;
  print-disabled) echo 'disabled services = {'; echo '}' ;;
esac`,
  id: `[ "$1" = -u ] && { [ -f "$STUB_STATE/root" ] && echo 0 || echo 501; }`,
  visudo: 'exit 0',
  stat: `[ "$1" = --version ] && exit 0
path=\${@: -1}
line=$(grep -F "$path	" "$STUB_STATE/stat.map" 2>/dev/null | head -1)
[ -n "$line" ] && { echo "\${line#*	}"; exit 0; }
exec /usr/bin/stat "$@"`,
};

interface Sandbox {
  state: string;
  dest: string;
  bin: string;
}

function makeSandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'perimeter-install-'));
  const sandbox = { state: join(base, 'state'), dest: join(base, 'dest'), bin: join(base, 'bin') };
  for (const dir of [
    sandbox.state,
    sandbox.dest,
    sandbox.bin,
    join(sandbox.state, 'users'),
    join(sandbox.state, 'groups'),
  ]) {
    mkdirSync(dir, { recursive: true });
  }
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(sandbox.bin, name), `${STUB_PRELUDE}${body}\n`, { mode: 0o755 });
  }
  writeFileSync(join(sandbox.state, 'root'), '');
  return sandbox;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The "+ command" lines: what a real run would change. */
  plan: string[];
  calls: string[][];
}

function runInstall(sandbox: Sandbox, args: string[]): Run {
  const log = join(sandbox.state, 'calls.log');
  writeFileSync(log, '');
  const result = spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    env: {
      PATH: `${sandbox.bin}${delimiter}/usr/bin${delimiter}/bin`,
      STUB_STATE: sandbox.state,
      PERIMETER_DESTDIR: sandbox.dest,
    },
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    plan: result.stdout.split('\n').filter((line) => line.startsWith('+ ')),
    calls: readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('\t')),
  };
}

const tokenConfig = (sandbox: Sandbox, extra = '') => {
  const path = join(sandbox.state, 'agent.yaml');
  writeFileSync(path, `collector: http://collector.test:4318\ntoken: node-token-1\n${extra}`);
  return path;
};

/** Puts in place what a completed install leaves, as the stubs and the staged root report it. */
function stageInstalled(sandbox: Sandbox, config: string, withSudoers: boolean): void {
  writeFileSync(join(sandbox.state, 'users/_perimeter'), '497');
  writeFileSync(join(sandbox.state, 'groups/_perimeter'), '497');
  writeFileSync(join(sandbox.state, 'loaded'), '');
  const d = (path: string) => join(sandbox.dest, path);
  const files: [string, string, string][] = [
    [join(DEPLOY, `launchd/${LABEL}.plist`), `/Library/LaunchDaemons/${LABEL}.plist`, 'root:wheel 644'],
    [config, '/usr/local/etc/perimeter/agent.yaml', '_perimeter:_perimeter 600'],
    [join(DEPLOY, 'macos/newsyslog-perimeter.conf'), '/etc/newsyslog.d/perimeter.conf', 'root:wheel 644'],
    ...MACOS_PRIVILEGED_JOBS.map((job): [string, string, string] => [
      join(DEPLOY, `launchd/${job.label}.plist`),
      `/Library/LaunchDaemons/${job.label}.plist`,
      'root:wheel 644',
    ]),
    ...MACOS_PRIVILEGED_JOBS.map((job): [string, string, string] => [
      '/dev/null',
      job.output,
      'root:_perimeter 640',
    ]),
  ];
  if (withSudoers) {
    files.push([
      join(DEPLOY, 'sudoers/perimeter-powermetrics'),
      '/etc/sudoers.d/perimeter-powermetrics',
      'root:wheel 440',
    ]);
  }
  const map: string[] = [];
  for (const [src, path, owner] of files) {
    mkdirSync(dirname(d(path)), { recursive: true });
    copyFileSync(src, d(path));
    map.push(`${d(path)}\t${owner}`);
  }
  for (const [path, owner] of [
    ['/usr/local/var/perimeter/agent', '_perimeter:_perimeter 700'],
    ['/usr/local/var/log/perimeter', '_perimeter:_perimeter 700'],
    ['/usr/local/etc/perimeter', 'root:wheel 755'],
    ['/etc/sudoers.d', 'root:wheel 755'],
    ['/etc/newsyslog.d', 'root:wheel 755'],
    ['/var/log/perimeter', 'root:_perimeter 750'],
  ] as const) {
    mkdirSync(d(path), { recursive: true });
    map.push(`${d(path)}\t${owner}`);
  }
  // A Node that reports a good version (any exit 0) and the agent's entry point.
  mkdirSync(d('/usr/local/lib/perimeter/node/bin'), { recursive: true });
  writeFileSync(d('/usr/local/lib/perimeter/node/bin/node'), '#!/bin/sh\nexit 0\n');
  chmodSync(d('/usr/local/lib/perimeter/node/bin/node'), 0o755);
  mkdirSync(d('/usr/local/lib/perimeter/app/packages/agent/dist'), { recursive: true });
  writeFileSync(d('/usr/local/lib/perimeter/app/packages/agent/dist/perimeter-agent.js'), '');
  writeFileSync(join(sandbox.state, 'stat.map'), `${map.join('\n')}\n`);
}

/** A dry run must only look: every dscl call reads or lists, every launchctl call prints. */
function expectReadOnly(run: Run): void {
  for (const [tool, ...args] of run.calls) {
    if (tool === 'dscl') expect(['-read', '-list'], args.join(' ')).toContain(args[1]);
    if (tool === 'launchctl') expect(['print', 'print-disabled'], args.join(' ')).toContain(args[0]);
    if (tool === 'visudo') expect(args.slice(0, 2), args.join(' ')).toEqual(['-c', '-f']);
  }
}

describe('deploy/macos/install.sh', () => {
  it('parses (bash -n)', () => {
    const result = spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(SCRIPT, 'utf8')).toMatch(/^set -euo pipefail$/m);
  });

  it.skipIf(shellcheck === undefined)(
    `passes shellcheck${shellcheck === undefined ? ' (skipped: not installed; Debian package shellcheck)' : ''}`,
    () => {
      const result = spawnSync(shellcheck ?? 'shellcheck', ['--shell=bash', SCRIPT], { encoding: 'utf8' });
      expect(result.status, result.stdout).toBe(0);
    },
  );

  it('prints --help without root and refuses a real run without root', () => {
    const sandbox = makeSandbox();
    spawnSync('rm', [join(sandbox.state, 'root')]);
    const help = runInstall(sandbox, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--dry-run[\s\S]*--uninstall[\s\S]*--with-powermetrics/);
    const refused = runInstall(sandbox, []);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/must run as root/);
    expect(refused.plan).toEqual([]);
    expect(runInstall(sandbox, ['--bogus']).status).toBe(2);
    // --dry-run needs no root.
    expect(runInstall(sandbox, ['--dry-run', '--config', tokenConfig(sandbox)]).status).toBe(0);
  });

  it('plans the user in its own group only, the files, and the bootstrap on a fresh Mac', () => {
    const sandbox = makeSandbox();
    const run = runInstall(sandbox, ['--dry-run', '--config', tokenConfig(sandbox)]);
    expect(run.status, run.stderr).toBe(0);
    expectReadOnly(run);
    // 499 is a taken UID and 498 a taken GID: the first id free as both, from the top, is 497.
    expect(run.plan).toEqual(
      expect.arrayContaining([
        '+ dscl . -create /Groups/_perimeter PrimaryGroupID 497',
        '+ dscl . -create /Users/_perimeter',
        '+ dscl . -create /Users/_perimeter UniqueID 497',
        '+ dscl . -create /Users/_perimeter PrimaryGroupID 497',
        '+ dscl . -create /Users/_perimeter UserShell /usr/bin/false',
        '+ dscl . -create /Users/_perimeter NFSHomeDirectory /var/empty',
        '+ dscl . -create /Users/_perimeter IsHidden 1',
      ]),
    );
    expect(
      run.plan.filter(
        (line) => /admin|wheel|staff|GroupMembership|dseditgroup/.test(line) && /dscl|dsedit/.test(line),
      ),
    ).toEqual([]);
    const d = sandbox.dest;
    expect(run.plan).toEqual(
      expect.arrayContaining([
        `+ install -d -m 0700 -o _perimeter -g _perimeter ${d}/usr/local/var/perimeter/agent`,
        `+ install -d -m 0700 -o _perimeter -g _perimeter ${d}/usr/local/var/log/perimeter`,
        `+ install -m 0600 -o _perimeter -g _perimeter ${join(sandbox.state, 'agent.yaml')} ${d}/usr/local/etc/perimeter/agent.yaml`,
        `+ install -m 0644 -o root -g wheel ${DEPLOY}/launchd/${LABEL}.plist ${d}/Library/LaunchDaemons/${LABEL}.plist`,
      ]),
    );
    // The user exists before the files it owns, and the plist before launchd loads it.
    const at = (text: string) => run.plan.findIndex((line) => line.includes(text));
    expect(at('UniqueID 497')).toBeLessThan(at('-o _perimeter'));
    expect(run.plan.at(-1)).toBe(`+ launchctl bootstrap system /Library/LaunchDaemons/${LABEL}.plist`);
    expect(at(`${LABEL}.plist ${d}`)).toBeLessThan(run.plan.length - 1);
    // No sudoers rule without --with-powermetrics.
    expect(run.plan.filter((line) => line.includes('sudoers'))).toEqual([]);
    expect(run.stdout).toMatch(/dry run: \d+ change\(s\) planned, none made/);
  });

  it('with --with-powermetrics checks the rule with visudo -cf first and installs it 0440 root:wheel', () => {
    const sandbox = makeSandbox();
    const run = runInstall(sandbox, ['--dry-run', '--with-powermetrics', '--config', tokenConfig(sandbox)]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls).toContainEqual(['visudo', '-c', '-f', join(DEPLOY, 'sudoers/perimeter-powermetrics')]);
    expect(run.plan).toContain(
      `+ install -m 0440 -o root -g wheel ${DEPLOY}/sudoers/perimeter-powermetrics ${sandbox.dest}/etc/sudoers.d/perimeter-powermetrics`,
    );
    expect(run.stderr).toMatch(/powermetricsViaSudo: true/);
  });

  it('does not load the agent while the config holds the placeholder token', () => {
    const sandbox = makeSandbox();
    const run = runInstall(sandbox, ['--dry-run']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.plan.some((line) => line.includes('/usr/local/etc/perimeter/agent.yaml'))).toBe(true);
    expect(
      run.plan.filter((line) => line.includes(`launchctl bootstrap system /Library/LaunchDaemons/${LABEL}`)),
    ).toEqual([]);
    expect(run.stderr).toMatch(/placeholder token; not loading/);
    // The root readers do not need the token: they are installed and loaded, with their files first.
    for (const job of MACOS_PRIVILEGED_JOBS) {
      expect(run.plan).toContain(
        `+ install -m 0640 -o root -g _perimeter /dev/null ${sandbox.dest}${job.output}`,
      );
      expect(run.plan).toContain(`+ launchctl bootstrap system /Library/LaunchDaemons/${job.label}.plist`);
    }
    expect(run.plan).toContain(
      `+ install -d -m 0750 -o root -g _perimeter ${sandbox.dest}/var/log/perimeter`,
    );
  });

  it('plans no user or group creation when _perimeter already exists', () => {
    const sandbox = makeSandbox();
    writeFileSync(join(sandbox.state, 'users/_perimeter'), '497');
    writeFileSync(join(sandbox.state, 'groups/_perimeter'), '497');
    const run = runInstall(sandbox, ['--dry-run', '--config', tokenConfig(sandbox)]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.plan.filter((line) => line.startsWith('+ dscl'))).toEqual([]);
    expect(run.stdout).toContain('ok: user _perimeter (497) and group _perimeter exist');
    expect(run.plan.at(-1)).toBe(`+ launchctl bootstrap system /Library/LaunchDaemons/${LABEL}.plist`);
  });

  it('refuses an existing _perimeter that is in the admin group', () => {
    const sandbox = makeSandbox();
    writeFileSync(join(sandbox.state, 'users/_perimeter'), '497');
    writeFileSync(join(sandbox.state, 'groups/_perimeter'), '497');
    writeFileSync(join(sandbox.state, 'admin-member'), '');
    const run = runInstall(sandbox, ['--dry-run', '--config', tokenConfig(sandbox)]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/_perimeter is in the admin group/);
  });

  it('plans nothing on a second run over a complete install', () => {
    const sandbox = makeSandbox();
    const config = tokenConfig(sandbox, 'hardware:\n  powermetricsViaSudo: true\n');
    stageInstalled(sandbox, config, true);
    const run = runInstall(sandbox, ['--dry-run', '--with-powermetrics', '--config', config]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.plan).toEqual([]);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('nothing to change');
    expect(run.stderr).toBe('');
  });

  it('restarts the agent when only the config changed, and reloads it when the plist changed', () => {
    const sandbox = makeSandbox();
    const config = tokenConfig(sandbox);
    stageInstalled(sandbox, config, false);
    const changed = join(sandbox.state, 'agent-2.yaml');
    writeFileSync(changed, 'collector: http://collector.test:4318\ntoken: node-token-2\n');
    const restart = runInstall(sandbox, ['--dry-run', '--config', changed]);
    expect(restart.plan).toEqual([
      `+ install -m 0600 -o _perimeter -g _perimeter ${changed} ${sandbox.dest}/usr/local/etc/perimeter/agent.yaml`,
      `+ launchctl kickstart -k system/${LABEL}`,
    ]);
    writeFileSync(join(sandbox.dest, `Library/LaunchDaemons/${LABEL}.plist`), '<plist/>');
    const reload = runInstall(sandbox, ['--dry-run', '--config', config]);
    expect(reload.plan.slice(-2)).toEqual([
      `+ launchctl bootout system/${LABEL}`,
      `+ launchctl bootstrap system /Library/LaunchDaemons/${LABEL}.plist`,
    ]);
  });

  it('--uninstall reverses each step, and plans nothing once all is gone', () => {
    const sandbox = makeSandbox();
    stageInstalled(sandbox, tokenConfig(sandbox), true);
    const run = runInstall(sandbox, ['--dry-run', '--uninstall']);
    expect(run.status, run.stderr).toBe(0);
    expectReadOnly(run);
    const d = sandbox.dest;
    expect(run.plan).toEqual([
      `+ launchctl bootout system/${LABEL}`,
      ...MACOS_PRIVILEGED_JOBS.flatMap((job) => [
        `+ launchctl bootout system/${job.label}`,
        `+ rm -f ${d}/Library/LaunchDaemons/${job.label}.plist`,
      ]),
      `+ rm -f ${d}/etc/newsyslog.d/perimeter.conf`,
      `+ rm -rf ${d}/var/log/perimeter`,
      `+ rm -f ${d}/Library/LaunchDaemons/${LABEL}.plist`,
      `+ rm -f ${d}/etc/sudoers.d/perimeter-powermetrics`,
      `+ rm -f ${d}/usr/local/etc/perimeter/agent.yaml`,
      `+ rm -rf ${d}/usr/local/var/perimeter/agent`,
      `+ rm -rf ${d}/usr/local/var/log/perimeter`,
      `+ rmdir ${d}/usr/local/etc/perimeter`,
      '+ dscl . -delete /Users/_perimeter',
      '+ dscl . -delete /Groups/_perimeter',
    ]);
    const empty = makeSandbox();
    const again = runInstall(empty, ['--dry-run', '--uninstall']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.plan).toEqual([]);
    expect(again.stdout).toContain('nothing to change');
  });
});
