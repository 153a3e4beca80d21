import { describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import type { DriftBaseline } from './baseline.ts';
import type { CheckOutcome } from './check.ts';
import { allDriftChecks } from './checks/index.ts';
import { runChecks } from './evaluate.ts';
import { createHostProbe, type HostProbe } from './host-probe.ts';
import { contextFor, failed, makeHostTree, ok, scriptedRunCommand, testdataPath } from './test-hosts.ts';

const LINUX_HOST = testdataPath('linux-host');
const byId = (outcomes: CheckOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.id, o]));

/** systemd answers: nftables and firewalld inactive (exit 3, quiet), timesyncd synchronised. */
const systemdAnswers = {
  'systemctl is-active nftables firewalld': failed(3),
  'timedatectl show -p NTPSynchronized --value': ok('yes\n'),
};

async function runOn(
  root: string,
  baseline: DriftBaseline,
  answers: Record<string, ReturnType<typeof ok>> = systemdAnswers,
  ran: string[] = [],
) {
  const runCommand = scriptedRunCommand(answers);
  const context = contextFor('linux', createFsRoot(root), runCommand);
  const outcomes = await runChecks(allDriftChecks, context, baseline, {
    isRoot: false,
    uid: 998,
    probe: withSocketLink(createHostProbe(root)),
  });
  ran.push(...runCommand.calls);
  return byId(outcomes);
}

/** testdata keeps fd/3 as a plain file (no dangling link in the repo); its link target is answered here. */
function withSocketLink(probe: HostProbe): HostProbe {
  return {
    stat: (path) => probe.stat(path),
    readLink: async (path) => (path === '/proc/812/fd/3' ? 'socket:[30511]' : probe.readLink(path)),
  };
}

const params: DriftBaseline['params'] = {
  listeners: [{ port: 22, user: 'root' }, { port: 53 }, { port: 4318, process: 'perimeter-agent' }],
  dataMount: '/srv/data',
};

describe('drift checks on a Linux host tree (hand-made testdata/linux-host)', () => {
  it('reads every Linux check without root and judges it', async () => {
    const outcomes = await runOn(LINUX_HOST, { version: 1, checks: {}, params });
    expect(Object.values(outcomes).map((o) => [o.id, o.status, o.observed])).toEqual([
      ['linux.firewall.active', 'pass', 'on'],
      ['linux.disk.encrypted', 'pass', 'on'],
      ['linux.sshd.permit-root-login', 'pass', 'no'],
      ['linux.sshd.password-authentication', 'pass', 'no'],
      ['linux.updates.unattended', 'pass', 'on'],
      ['linux.time.synchronized', 'pass', 'on'],
      [
        'linux.network.listeners',
        'pass',
        '["tcp 22 root ?","tcp 4318 perimeter perimeter-agent","tcp 53 systemd-resolve ?","udp 53 systemd-resolve ?"]',
      ],
      ['agent.user', 'pass', 'non-root'],
      ['workspace.clean', 'skipped', null],
    ]);
  });

  it('never passes a listener rule naming a process it could not see', async () => {
    const outcomes = await runOn(LINUX_HOST, {
      version: 1,
      checks: {},
      params: { ...params, listeners: [{ port: 22, process: 'sshd' }, { port: 53 }, { port: 4318 }] },
    });
    expect(outcomes['linux.network.listeners']).toMatchObject({
      status: 'fail',
      reason: 'not allowed: tcp 22 root ?',
    });
  });

  it('follows LVM on LUKS through dm slaves, and reports a plain or missing mount', async () => {
    const at = async (dataMount: string) =>
      (await runOn(LINUX_HOST, { version: 1, checks: {}, params: { dataMount } }))['linux.disk.encrypted']
        ?.observed;
    expect(await at('/srv/data')).toBe('on');
    expect(await at('/srv/scratch')).toBe('off');
    expect(await at('/')).toBe('off');
    expect(await at('/nowhere')).toBe('not-mounted');
  });

  it('reads sshd as sshd does: first value wins, Include in place, Match blocks and non-included files ignored', async () => {
    const root = makeHostTree({
      '/etc/ssh/sshd_config':
        'PasswordAuthentication yes\nInclude sshd_config.d/*.conf\nPermitRootLogin no\n',
      '/etc/ssh/sshd_config.d/10-a.conf': 'permitrootlogin=without-password\n',
      '/etc/ssh/sshd_config.d/20-b.conf': 'PermitRootLogin yes\nPasswordAuthentication no\n',
    });
    const outcomes = await runOn(root, { version: 1, checks: {}, params: {} });
    expect(outcomes['linux.sshd.permit-root-login']).toMatchObject({
      status: 'fail',
      observed: 'prohibit-password',
    });
    expect(outcomes['linux.sshd.password-authentication']).toMatchObject({ status: 'fail', observed: 'yes' });
  });

  it('skips what is not on the host instead of failing it', async () => {
    const outcomes = await runOn(
      makeHostTree({ '/etc/hostname': 'bare\n' }),
      { version: 1, checks: {}, params: {} },
      {},
    );
    expect(outcomes['linux.sshd.permit-root-login']).toMatchObject({
      status: 'skipped',
      reason: 'not on this host: /etc/ssh/sshd_config',
    });
    expect(outcomes['linux.updates.unattended']?.status).toBe('skipped');
    expect(outcomes['linux.firewall.active']?.reason).toMatch(
      /^no firewall state readable: ufw: absent; systemd: not on this host: systemctl/,
    );
    expect(outcomes['linux.time.synchronized']?.status).toBe('skipped');
    expect(outcomes['linux.network.listeners']).toMatchObject({
      status: 'skipped',
      reason: 'not on this host: /proc/net/tcp',
    });
  });

  it('reads dnf-automatic where there is no apt, and chrony where there is no timesyncd', async () => {
    const root = makeHostTree({
      '/etc/dnf/automatic.conf': '[commands]\nupgrade_type = security\napply_updates = yes\n',
    });
    const ran: string[] = [];
    const outcomes = await runOn(
      root,
      { version: 1, checks: {}, params: {} },
      {
        'systemctl is-enabled dnf-automatic.timer': ok('enabled\n'),
        'systemctl is-enabled dnf-automatic-install.timer': failed(1),
        'chronyc tracking': ok(
          'Reference ID    : A9FEA97B (169.254.169.123)\nStratum         : 4\nLeap status     : Not synchronised\n',
        ),
      },
      ran,
    );
    expect(outcomes['linux.updates.unattended']).toMatchObject({ status: 'pass', observed: 'on' });
    expect(outcomes['linux.time.synchronized']).toMatchObject({ status: 'fail', observed: 'off' });
    expect(ran).toEqual(
      expect.arrayContaining([
        'systemctl is-enabled dnf-automatic.timer',
        'systemctl is-enabled dnf-automatic-install.timer',
        'chronyc tracking',
        'timedatectl show -p NTPSynchronized --value',
      ]),
    );
  });

  it('runs no program whose answer would be ignored: no dnf timers on an apt host, nothing past timesyncd', async () => {
    const root = makeHostTree({
      '/etc/apt/apt.conf.d/20auto-upgrades':
        'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
      '/run/systemd/timesync/synchronized': '',
    });
    const ran: string[] = [];
    const outcomes = await runOn(root, { version: 1, checks: {}, params: {} }, systemdAnswers, ran);
    expect(outcomes['linux.updates.unattended']).toMatchObject({ status: 'pass', observed: 'on' });
    expect(outcomes['linux.time.synchronized']).toMatchObject({ status: 'pass', observed: 'on' });
    expect(ran).toEqual(['systemctl is-active nftables firewalld']);
  });

  it('reads both firewall units from one systemctl: either active is on, systemd absent is not applicable', async () => {
    const firewall = async (answer: ReturnType<typeof ok> | undefined) =>
      (
        await runOn(
          makeHostTree({ '/etc/hostname': 'fw\n' }),
          { version: 1, checks: {}, params: {} },
          answer === undefined ? {} : { 'systemctl is-active nftables firewalld': answer },
        )
      )['linux.firewall.active'];
    expect(await firewall(ok('inactive\nactive\n'))).toMatchObject({ status: 'pass', observed: 'on' });
    expect(await firewall(ok('active\ninactive\n'))).toMatchObject({ status: 'pass', observed: 'on' });
    expect(await firewall(failed(3))).toMatchObject({ status: 'fail', observed: 'off' });
    expect(await firewall(failed(1, 'Failed to connect to bus: No such file or directory\n'))).toMatchObject({
      status: 'skipped',
    });
    expect(await firewall(ok('active\n'))).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/1 states for 2 units/),
    });
  });
});
