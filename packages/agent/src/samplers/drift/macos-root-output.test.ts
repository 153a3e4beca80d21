import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsRoot, type FsRoot } from '../../host/fs-root.ts';
import { MACOS_LISTENERS_JOB, MACOS_REMOTE_LOGIN_JOB } from '../../privileged/macos-privileged-jobs.ts';
import type { DriftBaseline } from './baseline.ts';
import { allDriftChecks } from './checks/index.ts';
import { runChecks } from './evaluate.ts';
import { createHostProbe } from './host-probe.ts';
import { driftProbeRows } from './probe-rows.ts';
import { contextFor, handMade, makeHostTree, scriptedRunCommand } from './test-hosts.ts';

/**
 * A non-root agent on a Mac installed as documented: `macos.ssh.remote-login` and
 * `macos.network.listeners` read the files the root launchd jobs append to (hand-made outputs, see
 * testdata/README.md), judge only the newest run, and never pass on a stale, empty or unreadable file.
 */

const NOW = Date.UTC(2026, 0, 1, 12);
const IDS = ['macos.ssh.remote-login', 'macos.network.listeners'];
const baseline: DriftBaseline = {
  version: 1,
  checks: { 'macos.ssh.remote-login': { expect: 'on' } },
  params: {
    listeners: [
      { port: 22, process: 'sshd' },
      { port: 4318, user: 'perimeter' },
      { port: 5353, proto: 'udp' },
    ],
  },
};
// An earlier run appended before the current one: Remote Login was off, a since-closed listener.
const EARLIER_SYSTEMSETUP = 'Remote Login: Off\n';
const EARLIER_LSOF = 'p88\ncrapportd\nLalice\nf4\nPTCP\nn*:7000\np301\ncsshd\nLroot\nf4\nPTCP\nn*:22\n';

function installedTree(ageMs: number) {
  const root = makeHostTree(installed());
  const mtime = (NOW - ageMs) / 1000;
  for (const path of Object.keys(installed())) utimesSync(join(root, path), mtime, mtime);
  return root;
}

async function check(
  files: Record<string, string>,
  options: { ageMs?: number; fs?: (root: string) => FsRoot; privilegedOutputs?: Record<string, string> } = {},
) {
  const root = makeHostTree(files);
  for (const path of Object.keys(files)) {
    const mtime = (NOW - (options.ageMs ?? 30_000)) / 1000;
    utimesSync(join(root, path), mtime, mtime);
  }
  const runCommand = scriptedRunCommand({});
  const context = contextFor('darwin', options.fs?.(root) ?? createFsRoot(root), runCommand, NOW);
  const outcomes = await runChecks(
    allDriftChecks.filter((c) => IDS.includes(c.id)),
    context,
    baseline,
    { isRoot: false, uid: 501, probe: createHostProbe(root), privilegedOutputs: options.privilegedOutputs },
  );
  expect(runCommand.calls).toEqual([]);
  return Object.fromEntries(outcomes.map((o) => [o.id, o]));
}

const installed = () => ({
  [MACOS_REMOTE_LOGIN_JOB.output]: EARLIER_SYSTEMSETUP + handMade('systemsetup-remotelogin-on.txt'),
  [MACOS_LISTENERS_JOB.output]: EARLIER_LSOF + handMade('lsof-F-pcLPn.txt'),
});

describe('root-only macOS drift checks read the privileged jobs’ files', () => {
  it('judges the newest run in each file, without running anything', async () => {
    const outcomes = await check(installed());
    expect(outcomes['macos.ssh.remote-login']).toMatchObject({ status: 'pass', observed: 'on' });
    expect(outcomes['macos.network.listeners']).toMatchObject({
      status: 'pass',
      observed:
        '["tcp 22 root sshd","tcp 4318 perimeter collector helper","udp 5353 _mdnsresponder mDNSResponder"]',
    });
  });

  it('fails on the newest run when it drifted (the earlier run would have passed)', async () => {
    const outcomes = await check({
      [MACOS_REMOTE_LOGIN_JOB.output]: `${handMade('systemsetup-remotelogin-on.txt')}Remote Login: Off\n`,
      [MACOS_LISTENERS_JOB.output]: handMade('lsof-F-pcLPn.txt') + EARLIER_LSOF,
    });
    expect(outcomes['macos.ssh.remote-login']).toMatchObject({ status: 'fail', observed: 'off' });
    expect(outcomes['macos.network.listeners']).toMatchObject({
      status: 'fail',
      observed: '["tcp 22 root sshd","tcp 7000 alice rapportd"]',
    });
  });

  it('skips a file older than 3 intervals as stale, naming the job', async () => {
    const outcomes = await check(installed(), { ageMs: 3 * 300_000 + 60_000 });
    for (const id of IDS) {
      expect(outcomes[id]).toMatchObject({ status: 'skipped', observed: null });
      expect(outcomes[id]?.reason).toMatch(
        /^stale: \/var\/log\/perimeter\/\S+ last written 960 s ago, over 3 × 300 s \(is launchd job com\.perimeter\.[a-z-]+ loaded\?\)$/,
      );
    }
  });

  it('skips an unreadable file (EACCES) and an empty one, never passing', async () => {
    const denied = (root: string): FsRoot => {
      const fs = createFsRoot(root);
      return {
        ...fs,
        readText: async (path) => {
          if (!path.startsWith('/var/log/perimeter/')) return fs.readText(path);
          throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
        },
      };
    };
    const unreadable = await check(installed(), { fs: denied });
    for (const id of IDS) {
      expect(unreadable[id]).toMatchObject({ status: 'skipped', observed: null });
      expect(unreadable[id]?.reason).toMatch(/^unreadable: EACCES: .* must be in group _perimeter/);
    }
    const empty = await check({ [MACOS_REMOTE_LOGIN_JOB.output]: '', [MACOS_LISTENERS_JOB.output]: '\n' });
    for (const id of IDS) {
      expect(empty[id]).toMatchObject({ status: 'skipped', observed: null });
      expect(empty[id]?.reason).toMatch(/^empty: /);
    }
  });

  it('reads the files where config moved them', async () => {
    const outcomes = await check(
      {
        '/srv/p/remote-login.txt': handMade('systemsetup-remotelogin-on.txt'),
        '/srv/p/listeners.txt': handMade('lsof-F-pcLPn.txt'),
      },
      {
        privilegedOutputs: {
          [MACOS_REMOTE_LOGIN_JOB.label]: '/srv/p/remote-login.txt',
          [MACOS_LISTENERS_JOB.label]: '/srv/p/listeners.txt',
        },
      },
    );
    expect(outcomes['macos.ssh.remote-login']?.status).toBe('pass');
    expect(outcomes['macos.network.listeners']?.status).toBe('pass');
  });
});

describe('probe rows for the root jobs’ files', () => {
  const rows = (root: string, isRoot = false) =>
    driftProbeRows({ root, platform: 'darwin', isRoot, privilegedOutputs: {}, nowMs: NOW });

  it('says available for fresh files, and names the problem for stale or absent ones', () => {
    expect(rows(installedTree(30_000)).map((r) => [r.reading, r.status, r.source])).toEqual([
      ['macos.network.listeners', 'available', MACOS_LISTENERS_JOB.output],
      ['macos.ssh.remote-login', 'available', MACOS_REMOTE_LOGIN_JOB.output],
    ]);
    const stale = rows(installedTree(3_600_000));
    expect(stale.map((r) => r.status)).toEqual(['error', 'error']);
    expect(stale[0]?.reason).toMatch(/^stale: .* last written 3600 s ago/);
    const absent = rows(makeHostTree({}));
    expect(absent.map((r) => r.status)).toEqual(['needs root', 'needs root']);
    expect(absent[1]?.reason).toMatch(
      /absent \(launchd job com\.perimeter\.remote-login-reader not installed/,
    );
    expect(rows(makeHostTree({}), true)[0]).toMatchObject({ status: 'available', reason: 'run as root' });
    expect(
      driftProbeRows({ root: '/', platform: 'linux', isRoot: false, privilegedOutputs: {}, nowMs: NOW }),
    ).toEqual([]);
  });
});
