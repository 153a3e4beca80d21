import { MACOS_LOGIN_PREDICATE } from '../samplers/logins/unified-log-parse.ts';

/**
 * THE list of what runs as root for Perimeter on a Mac (docs/least-privilege.md). The agent runs as
 * the non-admin `_perimeter`; macOS keeps the login records (`log`) and two drift facts
 * (`systemsetup -getremotelogin`, every listening socket) for admins. Each is one fixed command line
 * that launchd runs as root on a schedule, writing to a root-owned file that group `_perimeter` may
 * read; no Perimeter JavaScript runs as root. The plists in deploy/launchd/ and the newsyslog rules
 * that install.sh installs are checked against this list by test/deploy/macos-privileged.test.ts:
 * a changed command line fails the test until both sides agree.
 */
export interface PrivilegedJob {
  /** launchd label; the plist is deploy/launchd/<label>.plist. */
  label: string;
  /** The exact argv, absolute program path first; no shell, no wildcard. */
  argv: readonly string[];
  /** launchd StartInterval, seconds. */
  intervalSeconds: number;
  /** launchd StandardOutPath: appended to on each run; root:_perimeter 0640, rotated by newsyslog. */
  output: string;
}

export const PRIVILEGED_DIR = '/var/log/perimeter';

/**
 * `log show` over the last 5 minutes, every minute: each run overlaps the four before it, so up to
 * four missed runs (a restart of launchd, a busy machine) lose nothing, and the agent drops the
 * repeats with the time cursor it already keeps for `log stream`. A run reopens its output file, so
 * newsyslog can rotate it without signalling anyone.
 */
export const LOGIN_READER_LOOKBACK_MS = 5 * 60_000;

export const MACOS_PRIVILEGED_JOBS: readonly PrivilegedJob[] = [
  {
    label: 'com.perimeter.login-reader',
    argv: ['/usr/bin/log', 'show', '--style', 'ndjson', '--predicate', MACOS_LOGIN_PREDICATE, '--last', '5m'],
    intervalSeconds: 60,
    output: `${PRIVILEGED_DIR}/logins.ndjson`,
  },
  {
    label: 'com.perimeter.remote-login-reader',
    argv: ['/usr/sbin/systemsetup', '-getremotelogin'],
    intervalSeconds: 300,
    output: `${PRIVILEGED_DIR}/remote-login.txt`,
  },
  {
    label: 'com.perimeter.listeners-reader',
    // The drift check's own command line (parsed by parseLsofListeners): TCP listeners and UDP
    // sockets, machine-readable fields, so root's file and a root agent's run read the same.
    argv: ['/usr/sbin/lsof', '-nP', '-iTCP', '-sTCP:LISTEN', '-iUDP', '-F', 'pcLPn'],
    intervalSeconds: 300,
    output: `${PRIVILEGED_DIR}/listeners.txt`,
  },
];

/** Where the login reader writes: the agent follows this file when `log` refuses it. */
export const MACOS_LOGIN_READER_OUTPUT = MACOS_PRIVILEGED_JOBS[0]!.output;

/** The drift checks `macos.ssh.remote-login` and `macos.network.listeners` read these jobs' files. */
export const MACOS_REMOTE_LOGIN_JOB = MACOS_PRIVILEGED_JOBS[1]!;
export const MACOS_LISTENERS_JOB = MACOS_PRIVILEGED_JOBS[2]!;
