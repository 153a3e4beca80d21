import { MACOS_LISTENERS_JOB } from '../../../privileged/macos-privileged-jobs.ts';
import type { DriftCheck } from '../check.ts';
import {
  lastLsofRun,
  launchdDisabledState,
  parseArdAgentRunning,
  parseFirewallGlobalState,
  parseLsofListeners,
  parseStealthMode,
  parseWifiService,
} from '../parse/macos.ts';
import { defaultsValue, onOffUnset, stdoutOf } from '../parse/raw.ts';
import { captureListeners, listenerExpectation } from './common.ts';

/**
 * macOS network exposure: application firewall, radios, sharing services, listeners. Commands and
 * expected outputs follow research/compliance-and-naming.md §1 (mSCP tahoe, Wazuh CIS macOS 26);
 * controls follow §3 of the same file.
 */

const SOCKETFILTERFW = '/usr/libexec/ApplicationFirewall/socketfilterfw';
const NETWORK_CONTROLS = { soc2: ['CC6.6', 'CC7.1'], iso27001: ['A.8.20', 'A.8.9'] };
const SHARING_CONTROLS = { soc2: ['CC6.1', 'CC6.6'], iso27001: ['A.5.15', 'A.8.20', 'A.8.9'] };

export const macosNetworkChecks: readonly DriftCheck[] = [
  {
    id: 'macos.firewall.enabled',
    title: 'Application firewall is on',
    platform: 'darwin',
    reads: { kind: 'command', argv: [SOCKETFILTERFW, '--getglobalstate'] },
    needsRoot: false,
    controls: NETWORK_CONTROLS,
    parse: (raw) => parseFirewallGlobalState(stdoutOf(raw)),
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'macos.firewall.stealth',
    title: 'Firewall stealth mode is on',
    platform: 'darwin',
    reads: { kind: 'command', argv: [SOCKETFILTERFW, '--getstealthmode'] },
    needsRoot: false,
    controls: { soc2: ['CC6.6'], iso27001: ['A.8.20', 'A.8.9'] },
    parse: (raw) => parseStealthMode(stdoutOf(raw)),
    expect: { op: 'equals', value: 'on' },
  },
  {
    id: 'macos.bluetooth.power',
    title: 'Bluetooth controller is powered off',
    platform: 'darwin',
    reads: {
      kind: 'command',
      argv: ['defaults', 'read', '/Library/Preferences/com.apple.Bluetooth', 'ControllerPowerState'],
    },
    needsRoot: false,
    controls: { soc2: ['CC6.6', 'CC6.7'], iso27001: ['A.8.20', 'A.8.9'] },
    // Absent key = never toggled; macOS ships with Bluetooth on, so `unset` fails.
    parse: (raw) => onOffUnset(defaultsValue(raw)),
    expect: { op: 'equals', value: 'off' },
  },
  {
    id: 'macos.airdrop.allowed',
    title: 'AirDrop is disabled by configuration profile',
    platform: 'darwin',
    // mSCP os_airdrop_disable: allowAirDrop=false in the managed com.apple.applicationaccess domain.
    reads: {
      kind: 'command',
      argv: ['defaults', 'read', '/Library/Managed Preferences/com.apple.applicationaccess', 'allowAirDrop'],
    },
    needsRoot: false,
    controls: { soc2: ['CC6.7'], iso27001: ['A.5.14', 'A.8.9'] },
    // No managed value means AirDrop is allowed.
    parse: (raw) => {
      const value = onOffUnset(defaultsValue(raw));
      return value === 'unset' ? 'on' : value;
    },
    expect: { op: 'equals', value: 'off' },
  },
  {
    id: 'macos.wifi.service',
    title: 'Wi-Fi network service is disabled or absent (wired only)',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['networksetup', '-listallnetworkservices'] },
    needsRoot: false,
    controls: { soc2: ['CC6.6'], iso27001: ['A.8.20', 'A.8.22'] },
    parse: (raw) => parseWifiService(stdoutOf(raw)),
    expect: { op: 'one-of', value: ['off', 'absent'] },
  },
  {
    id: 'macos.screen-sharing.enabled',
    title: 'Screen Sharing is off',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['launchctl', 'print-disabled', 'system'] },
    needsRoot: false,
    controls: SHARING_CONTROLS,
    // Not listed = the launchd plist default, which is Disabled for com.apple.screensharing.
    parse: (raw) =>
      launchdDisabledState(stdoutOf(raw), 'com.apple.screensharing') === 'enabled' ? 'on' : 'off',
    expect: { op: 'equals', value: 'off' },
  },
  {
    id: 'macos.remote-management.running',
    title: 'Remote Management (ARD agent) is not running',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['ps', '-ax', '-o', 'comm='] },
    needsRoot: false,
    controls: SHARING_CONTROLS,
    parse: (raw) => parseArdAgentRunning(stdoutOf(raw)),
    expect: { op: 'equals', value: 'off' },
  },
  {
    id: 'macos.network.listeners',
    title: 'Listening network services match the allow-list',
    platform: 'darwin',
    // Without root lsof lists only the agent user's own sockets: a pass would be a false pass, so a
    // non-root agent reads the root job's file (docs/least-privilege.md).
    reads: { kind: 'root-output', job: MACOS_LISTENERS_JOB },
    needsRoot: true,
    controls: { soc2: ['CC6.6', 'CC7.1'], iso27001: ['A.8.20', 'A.8.9'] },
    // lsof exits 1 when nothing matched.
    parse: (raw) => parseLsofListeners(lastLsofRun(stdoutOf(raw, [0, 1]))),
    expect: listenerExpectation,
    capture: captureListeners,
  },
];
