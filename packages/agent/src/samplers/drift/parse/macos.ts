import { CheckParseError } from '../check.ts';
import { formatList } from '../expectation.ts';
import { matchOrThrow } from './raw.ts';

/**
 * Parsers for the macOS commands the drift checks run. Pure: text in, canonical value out. Output
 * shapes come from the real fixtures in ../shared/fixtures/macos where those exist, otherwise from
 * the formats quoted in research/compliance-and-naming.md (Wazuh CIS macOS 26 and mSCP patterns).
 */

/** `socketfilterfw --getglobalstate`: "Firewall is enabled. (State = 1)"; state 2 = block all. */
export function parseFirewallGlobalState(text: string): 'on' | 'off' {
  const word = matchOrThrow(text, /Firewall is (enabled|disabled)/i, 'firewall state');
  return word.toLowerCase() === 'enabled' ? 'on' : 'off';
}

/** `--getstealthmode`: "Stealth mode enabled" (older) or "Firewall stealth mode is on" (macOS 15+). */
export function parseStealthMode(text: string): 'on' | 'off' {
  const word = matchOrThrow(text, /stealth mode (?:is )?(enabled|disabled|on|off)\b/i, 'stealth mode');
  return ['enabled', 'on'].includes(word.toLowerCase()) ? 'on' : 'off';
}

/** `fdesetup status`: "FileVault is On." / "FileVault is Off."; "On, but needs to be restarted" counts as on. */
export function parseFdesetupStatus(text: string): 'on' | 'off' {
  return matchOrThrow(text, /FileVault is (On|Off)\b/, 'FileVault status') === 'On' ? 'on' : 'off';
}

/** `csrutil status`: "System Integrity Protection status: enabled." ("unknown (Custom Configuration)" → custom). */
export function parseCsrutilStatus(text: string): 'on' | 'off' | 'custom' {
  const word = matchOrThrow(text, /System Integrity Protection status:\s*(\w+)/, 'SIP status');
  if (word === 'enabled') return 'on';
  if (word === 'disabled') return 'off';
  return 'custom';
}

/** `spctl --status`: "assessments enabled" / "assessments disabled". */
export function parseSpctlStatus(text: string): 'on' | 'off' {
  return matchOrThrow(text, /assessments (enabled|disabled)/, 'Gatekeeper status') === 'enabled'
    ? 'on'
    : 'off';
}

/** `sw_vers`: ProductVersion, e.g. 26.6.2 (tabs between key and value in the real output). */
export function parseSwVers(text: string): string {
  return matchOrThrow(text, /^ProductVersion:\s*(\S+)/m, 'ProductVersion');
}

/**
 * `networksetup -listallnetworkservices`: one service per line after a legend line; a leading `*`
 * marks a disabled service (mSCP system_settings_wifi_disable). No Wi-Fi service at all → absent.
 */
export function parseWifiService(text: string): 'on' | 'off' | 'absent' {
  if (!/asterisk/i.test(text)) {
    throw new CheckParseError('not a networksetup service list (no legend line)');
  }
  const wifi = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^\*?(Wi-Fi|AirPort)\b/.test(line));
  if (wifi.length === 0) return 'absent';
  return wifi.some((line) => !line.startsWith('*')) ? 'on' : 'off';
}

/**
 * `launchctl print-disabled system`: `"label" => disabled|enabled` (older macOS: `=> true` for
 * disabled, `=> false` for enabled). Null when the label is not listed (its plist default applies).
 */
export function launchdDisabledState(text: string, label: string): 'enabled' | 'disabled' | null {
  if (!/disabled services = \{/.test(text)) {
    throw new CheckParseError('not launchctl print-disabled output (no "disabled services" block)');
  }
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const word = new RegExp(`"${escaped}"\\s*=>\\s*(\\w+)`).exec(text)?.[1];
  if (word === undefined) return null;
  return word === 'enabled' || word === 'false' ? 'enabled' : 'disabled';
}

/** `ps -ax -o comm=`: whether an ARDAgent process runs (Wazuh CIS 41013). */
export function parseArdAgentRunning(text: string): 'on' | 'off' {
  if (text.trim() === '') throw new CheckParseError('empty process list');
  return text.split('\n').some((line) => /(^|\/)ARDAgent$/.test(line.trim())) ? 'on' : 'off';
}

/** `id -Gn`: whether the agent's user is in the `admin` group. */
export function parseAdminMembership(text: string): 'yes' | 'no' {
  const groups = text.trim().split(/\s+/);
  if (groups.length === 0 || groups[0] === '') throw new CheckParseError('no groups in id -Gn output');
  return groups.includes('admin') ? 'yes' : 'no';
}

/**
 * `dscl . -read /Groups/com.apple.access_ssh` → who may log in over SSH. No such group means
 * "all users" (`*`); nested groups (System Settings' "Administrators") appear as `group:<uuid>`.
 */
export function parseSshAccessGroup(exitCode: number, stdout: string, stderr: string): string {
  if (/eDSRecordNotFound/.test(stderr)) return formatList(['*']);
  if (exitCode !== 0)
    throw new CheckParseError(`dscl exited with ${exitCode}: ${stderr.trim().slice(0, 80)}`);
  const attribute = (name: string) => {
    const match = new RegExp(`^${name}:([^\\n]*(?:\\n [^\\n]*)*)`, 'm').exec(stdout);
    return match?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  };
  if (!/^RecordName:/m.test(stdout) && !/^GroupMembership:/m.test(stdout)) {
    throw new CheckParseError('not a dscl group record');
  }
  return formatList([...attribute('GroupMembership'), ...attribute('NestedGroups').map((g) => `group:${g}`)]);
}

/** `systemsetup -getremotelogin` / `-getusingnetworktime`: "Remote Login: On", "Network Time: On". */
export function parseSystemsetupOnOff(text: string, label: string): 'on' | 'off' {
  return matchOrThrow(text, new RegExp(`${label}:\\s*(On|Off)`), label) === 'On' ? 'on' : 'off';
}

/**
 * `lsof -nP -iTCP -sTCP:LISTEN -iUDP -F pcLPn` (lsof(8) "OUTPUT FOR OTHER PROGRAMS"): `p`,`c`,`L`
 * start a process; each file has `f`, `P` (protocol), `n` (name). UDP sockets with a peer
 * (`->`) are connections, not listeners. Items: "<proto> <port> <user> <process>".
 */
export function parseLsofListeners(text: string): string {
  const items: string[] = [];
  let command = '?';
  let user = '?';
  let proto = '';
  for (const line of text.split('\n')) {
    const [field, value] = [line[0], line.slice(1)];
    if (field === 'p') [command, user, proto] = ['?', '?', ''];
    else if (field === 'c') command = value;
    else if (field === 'L') user = value;
    else if (field === 'f') proto = '';
    else if (field === 'P') proto = value.toLowerCase();
    else if (field === 'n' && !value.includes('->')) {
      const port = /:(\d+)$/.exec(value)?.[1];
      if (port && (proto === 'tcp' || proto === 'udp')) items.push(`${proto} ${port} ${user} ${command}`);
    }
  }
  if (items.length === 0 && text.trim() !== '' && !/^p\d+/m.test(text)) {
    throw new CheckParseError('not lsof -F output');
  }
  return formatList(items);
}

/**
 * A root launchd job appends each run to its file (privileged/macos-privileged-jobs.ts): the drift
 * checks judge the newest run only. `systemsetup -getremotelogin` prints one line, so the last one.
 */
export function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

/**
 * The newest run of `lsof -F` in an appended file. lsof lists processes in ascending PID order, so
 * a `p` line whose PID is not above the one before starts a later run. A later run whose PIDs all
 * lie above the previous run's goes undetected: the two lists merge, which can add a closed
 * listener (a fail to look at) but never hide an open one.
 */
export function lastLsofRun(text: string): string {
  const lines = text.split('\n');
  let start = 0;
  let previousPid = -1;
  lines.forEach((line, index) => {
    if (!/^p\d+$/.test(line)) return;
    const pid = Number(line.slice(1));
    if (pid <= previousPid) start = index;
    previousPid = pid;
  });
  return lines.slice(start).join('\n');
}

/** `defaults read <domain>` (old-style plist): top-level `Key = value;` pairs. */
export function parseDefaultsDomain(text: string): Map<string, string> {
  if (!text.trim().startsWith('{'))
    throw new CheckParseError('not a defaults domain dump (no opening brace)');
  const values = new Map<string, string>();
  for (const match of text.matchAll(/^ {4}"?([\w.-]+)"?\s*=\s*"?([^";\n]*)"?;$/gm)) {
    values.set(match[1] ?? '', match[2] ?? '');
  }
  return values;
}

/** Keys that must be 1 for automatic security updates (Wazuh CIS 41000, 41003; Fleet's default policy). */
export const SOFTWARE_UPDATE_KEYS = [
  'AutomaticCheckEnabled',
  'AutomaticDownload',
  'CriticalUpdateInstall',
  'ConfigDataInstall',
] as const;

/** `on`, or `off (<key>=<value|unset>, …)` naming every key that is not 1. */
export function parseSoftwareUpdatePrefs(text: string): string {
  const values = parseDefaultsDomain(text);
  const wrong = SOFTWARE_UPDATE_KEYS.filter((key) => values.get(key) !== '1').map(
    (key) => `${key}=${values.get(key) ?? 'unset'}`,
  );
  return wrong.length === 0 ? 'on' : `off (${wrong.join(', ')})`;
}
