/**
 * Classifies ONE log message (the text after `proc[pid]: `) as a login attempt, or null. Pure: the
 * line-format parsers (syslog, journald, unified log) find the process, the time and the message,
 * and `loginEventFromMessage` here turns that into a scrubbed LoginEvent.
 *
 * Counting rules: each attempt counts once, on the one line its program writes for it
 * (docs/login-counting.md has the reasons and the real logs that prove them):
 * - sshd: one `Failed <method> for …` line per refused credential, and nothing else. `Failed none`
 *   is the client asking which methods exist (RFC 4252 §5.2), no credential. `Invalid user X from
 *   A`, `error: PAM: … for X`, `User X from A not allowed`, `maximum authentication attempts
 *   exceeded` and `Connection closed by authenticating user` announce or sum up attempts whose own
 *   `Failed` lines are counted: null, or an invalid user's password would count twice.
 * - sudo: `N incorrect password attempts` stands for N; su: `FAILED SU`; login: `FAILED LOGIN`.
 *   `pam_unix(S:auth): authentication failure` restates the first failure of that PAM handle for
 *   all of them, and `PAM N more authentication failures` sums the others up: never an attempt.
 * - rsyslog's `message repeated N times: [ M]` stands for N copies of M, whatever M's rule.
 * - systemd-logind `New session N of user U.` and `pam_unix(sshd:session)` / `pam_unix(sudo:session)`
 *   follow a login that sshd or sudo already reported: null, or every ssh login would count twice.
 * - Connection-level noise (`Did not receive identification string`, `Connection closed by A port
 *   P [preauth]`, `Disconnected from user …`, macOS `(libsystem_info.dylib) … send failed`) is not an
 *   attempt: null.
 * - loginwindow: `-[Login1 doLogin] | shortUsername = U, …` is the console login (it names the user);
 *   `loginIsComplete` is the same login finishing and is not counted again; screen lock, logout and
 *   function-entry traces (`isGuestAccount | enter`, `buildSessionDictionary`) are not attempts.
 * Unknown text is null; nothing here throws.
 */
import { AuthMethods, AuthOutcomes } from '@perimeter/schema';
import type { AuthMessageFields, LoginEvent } from './login-event.ts';
import { scrubMessage, scrubUserName } from './scrub.ts';

/**
 * Address and port as sshd logs them; the address may be IPv6 or (UseDNS yes) a host name, and old
 * or SSH-1 servers leave out the port or write `ssh1` (fail2ban's sshd test log has both).
 */
const FROM = String.raw`from (\S+)(?: port (\d{1,5}))?(?: ssh[12])?(?:: .*)?(?: \[preauth\])?`;

const SSH_ACCEPTED = new RegExp(String.raw`^Accepted (\S+) for (.+) ${FROM}$`, 's');
const SSH_FAILED = new RegExp(String.raw`^Failed (\S+) for (invalid user )?(.*) ${FROM}$`, 's');

/** rsyslog's RepeatedMsgReduction: `message repeated 5 times: [ Failed password for root …]`. */
const REPEATED = /^message repeated (\d+) times?: \[ ?(.*)\]$/s;
const SOLARIS_MESSAGE_ID = /^\[ID \d+ [\w.]+\] /;
/** A forged or runaway repeat count must not flood the spool: one line stands for at most this many. */
export const MAX_ATTEMPTS_PER_LINE = 1000;

const SUDO_LINE = /^\s*(\S+) : (.*)$/s;
const PAM_SESSION_OPENED = /^pam_unix\(([\w-]+):session\): session opened for user (.+?)(?:\(uid=\d+\))? by/s;
const LOGIN_FAILED = /^FAILED LOGIN \(?(\d+)\)? (?:on '([^']*)' )?(?:from '([^']*)' )?FOR '(.*)', (.+)$/s;
const LOGIN_ROOT = /^ROOT LOGIN {1,2}(?:on|ON) '?([^' ]+)'?(?: FROM '?([^' ]+)'?)?/s;
const SU_LINE = /^(FAILED SU|FAILED su|)\s*\(to (\S+)\) (\S+) on (\S+)$/s;
const AUTHORIZATION_FAILED = /^Failed to authenticate user <(.*)> \(error: (-?\d+)\)\.?$/s;
const SCREEN_SHARING = /^Authentication: (FAILED|SUCCEEDED) :: User Name: (.*?) :: Viewer Address: (\S+)/s;
const LOGINWINDOW_DO_LOGIN = /-\[Login1 doLogin\] \| shortUsername = ([^,]+),/;
const LOGINWINDOW_UNLOCK = /com\.apple\.sessionagent\.screenIsUnlocked, with userID:(\d+)/;

type Parsed = AuthMessageFields & { rawUser: string | null };

function port(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : null;
}

/** Strips a path and an `[pid]`: `/usr/sbin/sshd` → `sshd`. */
export function normalizeProcessName(process: string): string {
  const base = process.slice(process.lastIndexOf('/') + 1);
  return base.replace(/\[\d*\]$/, '');
}

function fields(
  process: string,
  outcome: AuthMessageFields['outcome'],
  method: AuthMessageFields['method'],
  rawUser: string | null,
  sourceAddress: string | null,
  sourcePort: number | null,
  detail?: string,
): Parsed {
  const user = rawUser === null ? null : scrubUserName(rawUser);
  const parsed: Parsed = { outcome, method, user, sourceAddress, sourcePort, process, rawUser };
  if (detail !== undefined) parsed.detail = scrubMessage(detail, rawUser);
  return parsed;
}

function parseSsh(process: string, message: string): Parsed | null {
  const { success, failure } = AuthOutcomes;
  const ssh = AuthMethods.ssh;
  let m = SSH_ACCEPTED.exec(message);
  if (m) return fields(process, success, ssh, m[2]!, m[3]!, port(m[4]), m[1]);
  m = SSH_FAILED.exec(message);
  if (m && m[1] !== 'none') {
    const detail = m[2] ? `${m[1]}, invalid user` : m[1]!;
    return fields(process, failure, ssh, m[3]!, m[4]!, port(m[5]), detail);
  }
  return null;
}

function parseSudo(process: string, message: string): Parsed | null {
  const m = SUDO_LINE.exec(message);
  if (!m) return null;
  const user = m[1]!;
  const parts = m[2]!.split(' ; ');
  const first = parts[0]!.trim();
  if (!parts.some((p) => p.trim().startsWith('TTY=') || p.trim().startsWith('COMMAND='))) return null;
  if (first.startsWith('TTY=') || first.startsWith('PWD=') || first.startsWith('USER=')) {
    return fields(process, AuthOutcomes.success, AuthMethods.sudo, user, null, null);
  }
  const attempts = /^(\d+) incorrect password attempts?$/.exec(first);
  if (attempts) {
    const parsed = fields(process, AuthOutcomes.failure, AuthMethods.sudo, user, null, null, first);
    parsed.attempts = Number(attempts[1]);
    return parsed;
  }
  if (/NOT in sudoers|command not allowed|a password is required|not allowed to/.test(first)) {
    return fields(process, AuthOutcomes.failure, AuthMethods.sudo, user, null, null, first);
  }
  return null;
}

function parseLogin(process: string, message: string): Parsed | null {
  let m = LOGIN_FAILED.exec(message);
  if (m) {
    const detail = `${m[5]!.trim()}${m[2] ? ` on ${m[2]}` : ''}`;
    return fields(process, AuthOutcomes.failure, AuthMethods.console, m[4]!, m[3] || null, null, detail);
  }
  m = LOGIN_ROOT.exec(message);
  if (m)
    return fields(
      process,
      AuthOutcomes.success,
      AuthMethods.console,
      'root',
      m[2] ?? null,
      null,
      `root login on ${m[1]}`,
    );
  m = PAM_SESSION_OPENED.exec(message);
  if (m && m[1] === 'login')
    return fields(process, AuthOutcomes.success, AuthMethods.console, m[2]!, null, null, 'session opened');
  return null;
}

function parseSu(process: string, message: string): Parsed | null {
  const m = SU_LINE.exec(message);
  if (!m) return null;
  const outcome = m[1] ? AuthOutcomes.failure : AuthOutcomes.success;
  return fields(process, outcome, AuthMethods.other, m[2]!, null, null, `su by ${m[3]} on ${m[4]}`);
}

function parseMacos(process: string, message: string): Parsed | null {
  // `log stream --style syslog` puts `[subsystem:category] ` before the text; ndjson does not.
  const text = message.replace(/^\[[^\]]*\] /, '');
  if (process === 'authorizationhost') {
    const m = AUTHORIZATION_FAILED.exec(text);
    if (!m) return null;
    const user = m[1] === '<private>' || m[1] === '' ? null : m[1]!;
    return fields(process, AuthOutcomes.failure, AuthMethods.other, user, null, null, `error ${m[2]}`);
  }
  if (process === 'screensharingd') {
    const m = SCREEN_SHARING.exec(text);
    if (!m) return null;
    const outcome = m[1] === 'SUCCEEDED' ? AuthOutcomes.success : AuthOutcomes.failure;
    return fields(process, outcome, AuthMethods.other, m[2]!, m[3]!, null, 'screen sharing');
  }
  if (process === 'loginwindow') {
    let m = LOGINWINDOW_DO_LOGIN.exec(text);
    if (m)
      return fields(process, AuthOutcomes.success, AuthMethods.console, m[1]!.trim(), null, null, 'doLogin');
    m = LOGINWINDOW_UNLOCK.exec(text);
    if (m)
      return fields(
        process,
        AuthOutcomes.success,
        AuthMethods.screensaver,
        null,
        null,
        null,
        `unlock uid ${m[1]}`,
      );
  }
  return null;
}

const SSH_PROCESSES = new Set(['sshd', 'sshd-session', 'sshd-auth']);
const MACOS_PROCESSES = new Set(['authorizationhost', 'screensharingd', 'loginwindow']);

/** The login fields of one message from `process`, or null when it is not a login attempt. */
export function parseAuthMessageRaw(process: string, message: string): Parsed | null {
  const proc = normalizeProcessName(process);
  // Solaris syslog puts the message id and facility first: `[ID 800047 auth.info] Failed …`.
  const text = message.replace(/\r?\n$/, '').replace(SOLARIS_MESSAGE_ID, '');
  const repeated = REPEATED.exec(text);
  if (repeated) {
    const parsed = parseAuthMessageRaw(proc, repeated[2]!);
    if (parsed === null) return null;
    parsed.attempts = (parsed.attempts ?? 1) * Number(repeated[1]);
    return parsed;
  }
  if (SSH_PROCESSES.has(proc)) return parseSsh(proc, text);
  if (MACOS_PROCESSES.has(proc)) return parseMacos(proc, text);
  if (proc === 'sudo') return parseSudo(proc, text);
  if (proc === 'login') return parseLogin(proc, text);
  if (proc === 'su') return parseSu(proc, text);
  // Everything else (systemd-logind, cron's pam_unix sessions, …) is not a login attempt.
  return null;
}

/** `attempts` only where a line stands for other than one, and never past MAX_ATTEMPTS_PER_LINE. */
function withAttempts<T extends { attempts?: number }>(fields: T): T {
  const attempts = fields.attempts;
  if (attempts === undefined) return fields;
  if (attempts === 1) {
    const { attempts: _one, ...rest } = fields;
    return rest as T;
  }
  fields.attempts = Math.min(Math.max(0, Math.trunc(attempts)), MAX_ATTEMPTS_PER_LINE);
  return fields;
}

/** The scrubbed login fields of one message (user redacted when it looks like a password), or null. */
export function parseAuthMessage(process: string, message: string): AuthMessageFields | null {
  try {
    const parsed = parseAuthMessageRaw(process, message);
    if (parsed === null) return null;
    const { rawUser: _rawUser, ...rest } = parsed;
    return withAttempts(rest);
  } catch {
    return null; // a parser bug must not kill the tailer; the line is skipped
  }
}

/** A whole scrubbed LoginEvent from one message and its time, or null when it is not a login. */
export function loginEventFromMessage(timeMs: number, process: string, message: string): LoginEvent | null {
  if (!Number.isFinite(timeMs)) return null;
  try {
    const parsed = parseAuthMessageRaw(process, message);
    if (parsed === null) return null;
    const { rawUser, ...rest } = parsed;
    return withAttempts({ timeMs, ...rest, message: scrubMessage(message.replace(/\r?\n$/, ''), rawUser) });
  } catch {
    return null;
  }
}
