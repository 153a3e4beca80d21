/**
 * macOS unified log, `log stream --style ndjson --predicate MACOS_LOGIN_PREDICATE`: one JSON record
 * a line, with `timestamp` (`2025-10-01 10:20:30.123456-0700`), `eventMessage`, `processImagePath`,
 * `subsystem`, `category`, `messageType` and `eventType`. Records are classified by the same
 * message rules as syslog lines (auth-message-parse.ts), keyed by the process's file name, so
 * sshd/sshd-session, sudo, loginwindow, authorizationhost and screensharingd read alike in both forms.
 *
 * authorizationhost's `Failed to authenticate user <U> (error: N).` is a failed password prompt of
 * the Security framework (System Settings, installer, admin prompts): method `other`, unless the
 * record itself names the screensaver (the `system.login.screensaver` right), which makes it a
 * failed screen unlock. macOS writes `<private>` for the name unless private data logging is on,
 * so user is then null.
 */
import { AuthMethods } from '@perimeter/schema';
import { loginEventFromMessage, normalizeProcessName } from './auth-message-parse.ts';
import { parseUnifiedLogTimestamp } from './log-time.ts';
import type { LoginEvent } from './login-event.ts';

export { parseUnifiedLogTimestamp };

/**
 * `log stream` predicate for login attempts. loginwindow logs a lot, so only its login and unlock
 * messages pass; authorizationhost only its failures.
 */
export const MACOS_LOGIN_PREDICATE = [
  'process IN {"sshd", "sshd-session", "sshd-auth", "sudo", "su", "login", "screensharingd"}',
  '(process == "loginwindow" AND (eventMessage CONTAINS "doLogin" OR eventMessage CONTAINS "screenIsUnlocked"))',
  '(process == "authorizationhost" AND eventMessage BEGINSWITH "Failed to authenticate")',
].join(' OR ');

/** `log` argv (after the `log` command itself) that streams login records as ndjson. */
export const MACOS_LOG_STREAM_ARGV = [
  'stream',
  '--style',
  'ndjson',
  '--predicate',
  MACOS_LOGIN_PREDICATE,
] as const;

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** One ndjson line (or an already-parsed record) → a login event, or null. Never throws. */
export function parseUnifiedLogRecord(record: string | Record<string, unknown>): LoginEvent | null {
  let fields: Record<string, unknown>;
  if (typeof record === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record);
    } catch {
      return null; // `log stream` prints a "Filtering the log data…" banner before the records
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    fields = parsed as Record<string, unknown>;
  } else {
    fields = record;
  }
  const timestamp = text(fields['timestamp']);
  const message = text(fields['eventMessage']);
  const imagePath = text(fields['processImagePath']) ?? text(fields['process']);
  if (timestamp === null || message === null || imagePath === null) return null;
  const timeMs = parseUnifiedLogTimestamp(timestamp);
  if (timeMs === null) return null;
  const process = normalizeProcessName(imagePath);
  const event = loginEventFromMessage(timeMs, process, message);
  if (event === null) return null;
  if (process === 'authorizationhost') {
    const context = [fields['subsystem'], fields['category'], fields['formatString'], message, imagePath]
      .filter((v) => typeof v === 'string')
      .join(' ');
    if (/screensaver/i.test(context)) event.method = AuthMethods.screensaver;
  }
  return event;
}
