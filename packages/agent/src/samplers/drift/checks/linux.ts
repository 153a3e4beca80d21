import { CheckNotApplicable, type DriftCheck } from '../check.ts';
import {
  parseAptPeriodic,
  parseChronyTracking,
  parseDmCrypt,
  parseDnfAutomaticApplies,
  parseProcNetListeners,
  parseUfwEnabled,
} from '../parse/linux.ts';
import { describeUnavailable, expectKind, systemctlState, systemctlStates } from '../parse/raw.ts';
import { captureListeners, listenerExpectation } from './common.ts';
import { sshdChecks } from './sshd.ts';

/**
 * Linux checks that need no root: each reads world-readable files or asks systemd. `nft list
 * ruleset` and `sshd -T` would be more direct but need root, so the persistent settings are read
 * instead (ufw.conf, the nftables/firewalld units, sshd_config). Controls as for the macOS
 * equivalents (research/compliance-and-naming.md §3).
 */

const systemctl = (verb: string, ...units: string[]) =>
  ({ kind: 'command', argv: ['systemctl', verb, ...units] }) as const;

const FIREWALL_UNITS = ['nftables', 'firewalld'] as const;

export const linuxChecks: readonly DriftCheck[] = [
  {
    id: 'linux.firewall.active',
    title: 'A host firewall is active (ufw, nftables or firewalld)',
    platform: 'linux',
    reads: {
      kind: 'any-of',
      parts: {
        ufw: { kind: 'file', path: '/etc/ufw/ufw.conf' },
        // One program for both units: is-active prints a line per unit.
        systemd: systemctl('is-active', ...FIREWALL_UNITS),
      },
    },
    needsRoot: false,
    controls: { soc2: ['CC6.6', 'CC7.1'], iso27001: ['A.8.20', 'A.8.9'] },
    parse: (raw) => {
      const { parts } = expectKind(raw, 'any-of');
      const ufw = parts['ufw']?.kind === 'file' ? parts['ufw'].text : null;
      const units = systemctlStates(parts['systemd'] ?? raw, FIREWALL_UNITS.length);
      if (ufw !== null && parseUfwEnabled(ufw)) return 'on';
      if (units?.includes('active')) return 'on';
      if (ufw === null && units === null) {
        throw new CheckNotApplicable(`no firewall state readable: ${describeUnavailable(parts)}`);
      }
      return 'off';
    },
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'linux.disk.encrypted',
    title: 'The data volume is on dm-crypt',
    platform: 'linux',
    reads: (params) => ({ kind: 'block-devices', mount: params.dataMount ?? '/' }),
    needsRoot: false,
    controls: { soc2: ['CC6.1', 'CC6.7'], iso27001: ['A.8.24', 'A.7.14'] },
    parse: (raw) => parseDmCrypt(expectKind(raw, 'block-devices')),
    expect: { op: 'equals', value: 'on' },
  },
  ...sshdChecks('linux', 'linux'),
  {
    id: 'linux.updates.unattended',
    title: 'Security updates install unattended (apt unattended-upgrades or dnf-automatic)',
    platform: 'linux',
    reads: {
      kind: 'any-of',
      parts: {
        apt: { kind: 'files', paths: [], dirs: [{ path: '/etc/apt/apt.conf.d' }] },
        dnf: { kind: 'file', path: '/etc/dnf/automatic.conf' },
        dnfTimer: systemctl('is-enabled', 'dnf-automatic.timer'),
        dnfInstallTimer: systemctl('is-enabled', 'dnf-automatic-install.timer'),
      },
      // Asked of systemd only where dnf-automatic is configured: an apt host never needs them.
      when: { dnfTimer: { present: 'dnf' }, dnfInstallTimer: { present: 'dnf' } },
    },
    needsRoot: false,
    controls: { soc2: ['CC7.1', 'CC8.1'], iso27001: ['A.8.8', 'A.8.19'] },
    parse: (raw) => {
      const { parts } = expectKind(raw, 'any-of');
      const apt = parts['apt']?.kind === 'files' ? parts['apt'].files : [];
      if (apt.length > 0) {
        const periodic = parseAptPeriodic(apt);
        const on = (key: string) => !['', '0', undefined].includes(periodic.get(key));
        return on('unattended-upgrade') && on('update-package-lists') ? 'on' : 'off';
      }
      const dnf = parts['dnf']?.kind === 'file' ? parts['dnf'].text : null;
      if (dnf === null)
        throw new CheckNotApplicable('not on this host: /etc/apt/apt.conf.d, /etc/dnf/automatic.conf');
      const enabled = (name: string) => systemctlState(parts[name] ?? raw) === 'enabled';
      return enabled('dnfInstallTimer') || (enabled('dnfTimer') && parseDnfAutomaticApplies(dnf))
        ? 'on'
        : 'off';
    },
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'linux.time.synchronized',
    title: 'The clock is synchronised (systemd-timesyncd or chrony)',
    platform: 'linux',
    reads: {
      kind: 'any-of',
      parts: {
        timedatectl: { kind: 'command', argv: ['timedatectl', 'show', '-p', 'NTPSynchronized', '--value'] },
        timesyncd: { kind: 'file', path: '/run/systemd/timesync/synchronized' },
        chrony: { kind: 'command', argv: ['chronyc', 'tracking'] },
      },
      // timesyncd's marker settles it ('on' whatever else says), so the programs run only without it.
      when: { timedatectl: { absent: 'timesyncd' }, chrony: { absent: 'timesyncd' } },
    },
    needsRoot: false,
    controls: { soc2: ['CC7.2'], iso27001: ['A.8.17'] },
    parse: (raw) => {
      const { parts } = expectKind(raw, 'any-of');
      const votes: boolean[] = [];
      const timedatectl = parts['timedatectl'];
      if (timedatectl?.kind === 'command' && timedatectl.exitCode === 0) {
        votes.push(timedatectl.stdout.trim() === 'yes');
      }
      // The marker only exists once timesyncd synchronised; its absence proves nothing.
      if (parts['timesyncd']?.kind === 'file' && parts['timesyncd'].text !== null) votes.push(true);
      const chrony = parts['chrony'];
      if (chrony?.kind === 'command' && chrony.exitCode === 0) {
        const synced = parseChronyTracking(chrony.stdout);
        if (synced !== null) votes.push(synced);
      }
      if (votes.length === 0)
        throw new CheckNotApplicable(`no time-sync state readable: ${describeUnavailable(parts)}`);
      return votes.includes(true) ? 'on' : 'off';
    },
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'linux.network.listeners',
    title: 'Listening network services match the allow-list',
    platform: 'linux',
    reads: { kind: 'proc-net' },
    // /proc/net/* lists every socket with its uid to any user; only the process name needs
    // same-user or root (it shows as `?` otherwise, which can fail a rule but never pass one).
    needsRoot: false,
    controls: { soc2: ['CC6.6', 'CC7.1'], iso27001: ['A.8.20', 'A.8.9'] },
    parse: (raw) => parseProcNetListeners(expectKind(raw, 'proc-net')),
    expect: listenerExpectation,
    capture: captureListeners,
  },
];
