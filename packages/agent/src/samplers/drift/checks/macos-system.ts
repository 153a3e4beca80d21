import type { DriftCheck } from '../check.ts';
import { CheckParseError } from '../check.ts';
import { formatList } from '../expectation.ts';
import {
  parseCsrutilStatus,
  parseFdesetupStatus,
  parseSoftwareUpdatePrefs,
  parseSpctlStatus,
  parseSwVers,
  parseSystemsetupOnOff,
} from '../parse/macos.ts';
import { defaultsValue, expectKind, onOffUnset, stdoutOf } from '../parse/raw.ts';
import { captureList } from './common.ts';

/**
 * macOS system integrity, encryption, updates, time and software inventory. Commands follow
 * research/compliance-and-naming.md §1; controls §3. Root requirements marked there as "exp."
 * (experience) are kept as stated: systemsetup needs root, the others do not.
 */

const LOGINWINDOW = '/Library/Preferences/com.apple.loginwindow';

export const macosSystemChecks: readonly DriftCheck[] = [
  {
    id: 'macos.filevault.enabled',
    title: 'FileVault is on',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['fdesetup', 'status'] },
    needsRoot: false,
    controls: { soc2: ['CC6.1', 'CC6.7'], iso27001: ['A.8.24', 'A.8.1', 'A.7.14'] },
    parse: (raw) => parseFdesetupStatus(stdoutOf(raw)),
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'macos.sip.enabled',
    title: 'System Integrity Protection is on',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['csrutil', 'status'] },
    needsRoot: false,
    controls: { soc2: ['CC6.8', 'CC7.1'], iso27001: ['A.8.9', 'A.8.7'] },
    parse: (raw) => parseCsrutilStatus(stdoutOf(raw)),
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'macos.gatekeeper.enabled',
    title: 'Gatekeeper assessments are on',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['spctl', '--status'] },
    needsRoot: false,
    controls: { soc2: ['CC6.8'], iso27001: ['A.8.7', 'A.8.19'] },
    // spctl exits 1 when assessments are disabled; the runner keeps no stdout on failure, so a
    // quiet exit 1 reads as off (never as on).
    parse: (raw) => {
      const read = expectKind(raw, 'command');
      if (read.exitCode === 1 && !/\S/.test(read.stderr.replace(/assessments disabled/, ''))) return 'off';
      return parseSpctlStatus(stdoutOf(raw));
    },
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'macos.updates.automatic',
    title: 'Automatic checks, downloads and security (critical, config data) updates are on',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['defaults', 'read', '/Library/Preferences/com.apple.SoftwareUpdate'] },
    needsRoot: false,
    controls: { soc2: ['CC7.1', 'CC8.1'], iso27001: ['A.8.8', 'A.8.19'] },
    parse: (raw) => {
      const text = defaultsValue(raw);
      if (text === null) return `off (no com.apple.SoftwareUpdate preferences)`;
      return parseSoftwareUpdatePrefs(text);
    },
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'macos.guest.enabled',
    title: 'Guest account is off',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['defaults', 'read', LOGINWINDOW, 'GuestEnabled'] },
    needsRoot: false,
    controls: { soc2: ['CC6.1', 'CC6.2'], iso27001: ['A.5.16', 'A.5.18'] },
    // macOS writes GuestEnabled when the guest user is toggled; a fresh install has guest off.
    parse: (raw) => onOffUnset(defaultsValue(raw)),
    expect: { op: 'one-of', value: ['off', 'unset'] },
  },
  {
    id: 'macos.autologin.enabled',
    title: 'Automatic login is off',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['defaults', 'read', LOGINWINDOW, 'autoLoginUser'] },
    needsRoot: false,
    controls: { soc2: ['CC6.1'], iso27001: ['A.8.5', 'A.5.17'] },
    parse: (raw) => (defaultsValue(raw) === null ? 'off' : 'on'),
    expect: { op: 'equals', value: 'off' },
  },
  {
    id: 'macos.time.network',
    title: 'Network time is on (systemsetup)',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['systemsetup', '-getusingnetworktime'] },
    needsRoot: true,
    controls: { soc2: ['CC7.2'], iso27001: ['A.8.17'] },
    parse: (raw) => parseSystemsetupOnOff(stdoutOf(raw), 'Network Time'),
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'macos.time.automatic',
    title: 'Automatic date and time is on (timed preference, readable without root)',
    platform: 'darwin',
    reads: {
      kind: 'command',
      argv: ['defaults', 'read', '/Library/Preferences/com.apple.timed', 'TMAutomaticTimeOnlyEnabled'],
    },
    needsRoot: false,
    controls: { soc2: ['CC7.2'], iso27001: ['A.8.17'] },
    parse: (raw) => onOffUnset(defaultsValue(raw)),
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'macos.os.version',
    title: 'macOS is at least the baseline minimum version',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['sw_vers'] },
    needsRoot: false,
    controls: { soc2: ['CC7.1'], iso27001: ['A.8.8'] },
    parse: (raw) => parseSwVers(stdoutOf(raw)),
    expect: (params) =>
      params.minOsVersion === undefined
        ? { notConfigured: 'params.minOsVersion' }
        : { op: 'version-at-least', value: params.minOsVersion },
    capture: (observed) => ({ params: { minOsVersion: observed } }),
  },
  {
    id: 'macos.apps.allowed',
    title: 'Only allow-listed applications are in /Applications',
    platform: 'darwin',
    reads: { kind: 'dir', path: '/Applications' },
    needsRoot: false,
    controls: { soc2: ['CC6.8', 'CC8.1'], iso27001: ['A.8.19', 'A.8.9'] },
    parse: (raw) => {
      const read = expectKind(raw, 'dir');
      if (read.entries === null) throw new CheckParseError('/Applications does not exist');
      return formatList(read.entries.filter((name) => !name.startsWith('.')));
    },
    expect: (params) =>
      params.allowedApps === undefined
        ? { notConfigured: 'params.allowedApps' }
        : { op: 'subset-of', value: params.allowedApps },
    capture: captureList('allowedApps'),
  },
];
