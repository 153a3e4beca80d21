import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import type { DriftBaseline } from './baseline.ts';
import type { CheckOutcome } from './check.ts';
import { allDriftChecks } from './checks/index.ts';
import { runChecks } from './evaluate.ts';
import { createHostProbe } from './host-probe.ts';
import {
  contextFor,
  defaultsMissing,
  failed,
  handMade,
  makeHostTree,
  ok,
  scriptedRunCommand,
} from './test-hosts.ts';

const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');
const FW = '/usr/libexec/ApplicationFirewall/socketfilterfw';
const LOGINWINDOW = '/Library/Preferences/com.apple.loginwindow';

const macTree = () =>
  makeHostTree({
    '/Applications/Safari.app/Contents/Info.plist': '',
    '/Applications/Utilities/Terminal.app': '',
    '/Applications/.DS_Store': '',
    '/etc/ssh/sshd_config':
      'Include /etc/ssh/sshd_config.d/*\nPermitRootLogin no\nPasswordAuthentication no\n',
    '/etc/ssh/sshd_config.d/100-macos.conf': 'UsePAM yes\nAcceptEnv LANG LC_*\n',
  });

function hardenedMac() {
  return {
    [`${FW} --getglobalstate`]: ok(fixture('socketfilterfw-state.txt')),
    [`${FW} --getstealthmode`]: ok(fixture('socketfilterfw-state.txt')),
    'defaults read /Library/Preferences/com.apple.Bluetooth ControllerPowerState': ok('0\n'),
    'defaults read /Library/Managed Preferences/com.apple.applicationaccess allowAirDrop': ok('0\n'),
    'networksetup -listallnetworkservices': ok(handMade('networksetup-services-wifi-disabled.txt')),
    'launchctl print-disabled system': ok(handMade('launchctl-print-disabled.txt')),
    'ps -ax -o comm=': ok('/sbin/launchd\n/usr/sbin/sshd\n'),
    '/usr/sbin/lsof -nP -iTCP -sTCP:LISTEN -iUDP -F pcLPn': ok(handMade('lsof-F-pcLPn.txt')),
    'fdesetup status': ok(handMade('fdesetup-on.txt')),
    'csrutil status': ok(handMade('csrutil-enabled.txt')),
    'spctl --status': ok(handMade('spctl-enabled.txt')),
    'defaults read /Library/Preferences/com.apple.SoftwareUpdate': ok(
      handMade('defaults-softwareupdate-on.txt'),
    ),
    [`defaults read ${LOGINWINDOW} GuestEnabled`]: defaultsMissing(LOGINWINDOW, 'GuestEnabled'),
    [`defaults read ${LOGINWINDOW} autoLoginUser`]: defaultsMissing(LOGINWINDOW, 'autoLoginUser'),
    'systemsetup -getusingnetworktime': ok(handMade('systemsetup-networktime-on.txt')),
    'defaults read /Library/Preferences/com.apple.timed TMAutomaticTimeOnlyEnabled': ok('1\n'),
    sw_vers: ok(fixture('sw_vers-macos26-runner.txt')),
    '/usr/sbin/systemsetup -getremotelogin': ok(handMade('systemsetup-remotelogin-on.txt')),
    'dscl . -read /Groups/com.apple.access_ssh': ok(handMade('dscl-access-ssh.txt')),
    'id -Gn': ok(handMade('id-Gn-service.txt')),
  };
}

const baseline: DriftBaseline = {
  version: 1,
  checks: { 'macos.ssh.remote-login': { expect: 'on' } },
  params: {
    allowedApps: ['Safari.app', 'Utilities'],
    listeners: [
      { port: 22, process: 'sshd' },
      { port: 4318, user: 'perimeter' },
      { port: 5353, proto: 'udp' },
    ],
    minOsVersion: '26.0',
    allowedSshUsers: ['ops', 'deploy', 'group:*'],
  },
};

const byId = (outcomes: CheckOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.id, o]));

async function run(
  answers: Record<string, ReturnType<typeof ok>>,
  options: { isRoot: boolean; uid: number },
) {
  const runCommand = scriptedRunCommand(answers);
  const root = macTree();
  const context = contextFor('darwin', createFsRoot(root), runCommand);
  const probe = createHostProbe(root);
  return {
    outcomes: byId(await runChecks(allDriftChecks, context, baseline, { ...options, probe })),
    runCommand,
  };
}

describeWithFixtures('drift checks on a hardened Mac (real fixtures + hand-made outputs)', () => {
  it('passes every macOS check, reading the real socketfilterfw and sw_vers outputs', async () => {
    const { outcomes } = await run(hardenedMac(), { isRoot: true, uid: 0 });
    const statuses = Object.fromEntries(Object.values(outcomes).map((o) => [o.id, o.status]));
    expect(statuses).toEqual({
      'macos.firewall.enabled': 'pass',
      'macos.firewall.stealth': 'pass',
      'macos.bluetooth.power': 'pass',
      'macos.airdrop.allowed': 'pass',
      'macos.wifi.service': 'pass',
      'macos.screen-sharing.enabled': 'pass',
      'macos.remote-management.running': 'pass',
      'macos.network.listeners': 'pass',
      'macos.filevault.enabled': 'pass',
      'macos.sip.enabled': 'pass',
      'macos.gatekeeper.enabled': 'pass',
      'macos.updates.automatic': 'pass',
      'macos.guest.enabled': 'pass',
      'macos.autologin.enabled': 'pass',
      'macos.time.network': 'pass',
      'macos.time.automatic': 'pass',
      'macos.os.version': 'pass',
      'macos.apps.allowed': 'pass',
      'macos.ssh.remote-login': 'pass',
      'macos.ssh.allowed-users': 'pass',
      'macos.agent.admin': 'pass',
      'macos.sshd.permit-root-login': 'pass',
      'macos.sshd.password-authentication': 'pass',
      'agent.user': 'fail',
      'workspace.clean': 'skipped',
    });
    expect(outcomes['macos.os.version']).toMatchObject({ observed: '26.6.2', expected: '>= 26.0' });
    expect(outcomes['macos.firewall.enabled']?.observed).toBe('on');
    expect(outcomes['macos.apps.allowed']?.observed).toBe('["Safari.app","Utilities"]');
    expect(outcomes['macos.network.listeners']?.observed).toBe(
      '["tcp 22 root sshd","tcp 4318 perimeter collector helper","udp 5353 _mdnsresponder mDNSResponder"]',
    );
    expect(outcomes['macos.ssh.allowed-users']?.observed).toBe(
      '["deploy","group:ABCDEFAB-CDEF-ABCD-EFAB-CDEF00000050","ops"]',
    );
    expect(outcomes['workspace.clean']?.reason).toBe('not configured: params.workspaceDirs');
  });
});

describeWithFixtures('drift checks on a drifted Mac (built on the hardened one)', () => {
  const drifted = () => ({
    ...hardenedMac(),
    [`${FW} --getglobalstate`]: ok(handMade('socketfilterfw-globalstate-off.txt')),
    [`${FW} --getstealthmode`]: ok(handMade('socketfilterfw-stealth-macos15-off.txt')),
    'defaults read /Library/Preferences/com.apple.Bluetooth ControllerPowerState': ok('1\n'),
    'defaults read /Library/Managed Preferences/com.apple.applicationaccess allowAirDrop': defaultsMissing(
      '/Library/Managed Preferences/com.apple.applicationaccess',
      'allowAirDrop',
    ),
    'networksetup -listallnetworkservices': ok(handMade('networksetup-services-wifi-enabled.txt')),
    'ps -ax -o comm=': ok(handMade('ps-comm-with-ardagent.txt')),
    'fdesetup status': ok(handMade('fdesetup-off.txt')),
    'csrutil status': ok(handMade('csrutil-custom.txt')),
    'spctl --status': failed(1),
    'defaults read /Library/Preferences/com.apple.SoftwareUpdate': ok(
      handMade('defaults-softwareupdate-partial.txt'),
    ),
    [`defaults read ${LOGINWINDOW} GuestEnabled`]: ok('1\n'),
    [`defaults read ${LOGINWINDOW} autoLoginUser`]: ok('kiosk\n'),
    'dscl . -read /Groups/com.apple.access_ssh': failed(
      56,
      '<dscl_cmd> DS Error: -14136 (eDSRecordNotFound)',
    ),
    'id -Gn': ok(handMade('id-Gn-admin.txt')),
  });

  it('fails each drifted setting with the observed value', async () => {
    const { outcomes } = await run(drifted(), { isRoot: false, uid: 501 });
    const observed = (id: string) => [outcomes[id]?.status, outcomes[id]?.observed];
    expect(observed('macos.firewall.enabled')).toEqual(['fail', 'off']);
    expect(observed('macos.firewall.stealth')).toEqual(['fail', 'off']);
    expect(observed('macos.bluetooth.power')).toEqual(['fail', 'on']);
    expect(observed('macos.airdrop.allowed')).toEqual(['fail', 'on']);
    expect(observed('macos.wifi.service')).toEqual(['fail', 'on']);
    expect(observed('macos.remote-management.running')).toEqual(['fail', 'on']);
    expect(observed('macos.filevault.enabled')).toEqual(['fail', 'off']);
    expect(observed('macos.sip.enabled')).toEqual(['fail', 'custom']);
    expect(observed('macos.gatekeeper.enabled')).toEqual(['fail', 'off']);
    expect(observed('macos.updates.automatic')).toEqual([
      'fail',
      'off (AutomaticDownload=0, CriticalUpdateInstall=unset, ConfigDataInstall=unset)',
    ]);
    expect(observed('macos.guest.enabled')).toEqual(['fail', 'on']);
    expect(observed('macos.autologin.enabled')).toEqual(['fail', 'on']);
    expect(observed('macos.ssh.allowed-users')).toEqual(['fail', '["*"]']);
    expect(observed('macos.agent.admin')).toEqual(['fail', 'yes']);
    expect(observed('agent.user')).toEqual(['pass', 'non-root']);
  });

  it('skips root-only checks as non-root without running them, never passing them', async () => {
    const { outcomes, runCommand } = await run(drifted(), { isRoot: false, uid: 501 });
    expect(outcomes['macos.time.network']).toMatchObject({ status: 'skipped', reason: 'needs root' });
    // No root job's file on this host either (macos-root-output.test.ts reads one).
    for (const id of ['macos.network.listeners', 'macos.ssh.remote-login']) {
      expect(outcomes[id]).toMatchObject({ status: 'skipped', observed: null });
      expect(outcomes[id]?.reason).toMatch(/^needs root: \/var\/log\/perimeter\/\S+ absent/);
    }
    expect(runCommand.calls.filter((c) => /systemsetup|lsof/.test(c))).toEqual([]);
  });

  it('skips a check whose command is missing, and reports garbage or a timeout as error', async () => {
    const answers: Record<string, ReturnType<typeof ok>> = {
      ...hardenedMac(),
      'csrutil status': ok('csrutil: command not understood\n'),
      sw_vers: { status: 'timeout', afterMs: 10_000 },
    };
    delete answers['fdesetup status'];
    const { outcomes } = await run(answers, { isRoot: true, uid: 0 });
    expect(outcomes['macos.filevault.enabled']).toMatchObject({
      status: 'skipped',
      reason: 'not on this host: fdesetup',
    });
    expect(outcomes['macos.sip.enabled']).toMatchObject({ status: 'error', observed: null });
    expect(outcomes['macos.sip.enabled']?.reason).toMatch(/^unreadable output: no SIP status/);
    expect(outcomes['macos.os.version']).toMatchObject({
      status: 'error',
      reason: 'sw_vers timed out after 10000 ms',
    });
  });
});
