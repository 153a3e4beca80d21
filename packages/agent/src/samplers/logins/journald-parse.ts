/**
 * One line of `journalctl -o json` → a login event and the entry's cursor. Field meanings are the
 * ones systemd documents (systemd.journal-fields(7), journalctl(1) "json"):
 * - MESSAGE is a string, or an array of byte values when it is not valid UTF-8 or holds control
 *   characters (decoded here as UTF-8 with replacement characters), or null when it is larger than
 *   journalctl's field limit (then there is no text to classify);
 * - a field that occurs more than once is an array of its values (the first is used);
 * - SYSLOG_IDENTIFIER is what the program called itself (`sshd`, `sudo`), _COMM the kernel's name;
 * - _SOURCE_REALTIME_TIMESTAMP (when the program logged) and __REALTIME_TIMESTAMP (when journald
 *   received it) are microseconds since the epoch, as decimal strings;
 * - __CURSOR resumes with `--after-cursor`, so it is returned even for lines that are not logins.
 */

import { loginEventFromMessage } from './auth-message-parse.ts';
import type { LoginEvent } from './login-event.ts';

export interface JournalLine {
  event: LoginEvent | null;
  cursor: string | null;
}

/** The identifiers whose entries can be login attempts; journalctl ORs repeated matches on one field. */
export const JOURNALCTL_LOGIN_IDENTIFIERS = [
  'sshd',
  'sshd-session',
  'sshd-auth',
  'sudo',
  'login',
  'su',
] as const;

/** `journalctl` argv that follows login entries as JSON, resuming after `cursor` when one was saved. */
export function journalctlLoginArgv(cursor: string | null): string[] {
  const start = cursor === null ? ['--lines=0'] : ['--after-cursor', cursor];
  const matches = JOURNALCTL_LOGIN_IDENTIFIERS.map((id) => `SYSLOG_IDENTIFIER=${id}`);
  return ['--follow', '--output=json', '--no-pager', ...start, ...matches];
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** A journald field value as text: strings as they are, byte arrays decoded, arrays of values → first. */
export function journalFieldText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value) || value.length === 0) return null;
  if (value.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) {
    return decoder.decode(Uint8Array.from(value as number[]));
  }
  return journalFieldText(value[0]);
}

function realtimeMs(value: unknown): number | null {
  const text = journalFieldText(value);
  if (text === null || !/^\d{1,17}$/.test(text)) return null;
  return Math.floor(Number(text) / 1000);
}

export function parseJournalJsonLine(line: string): JournalLine {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return { event: null, cursor: null };
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return { event: null, cursor: null };
  const fields = entry as Record<string, unknown>;
  const cursor = journalFieldText(fields['__CURSOR']);
  const message = journalFieldText(fields['MESSAGE']);
  const process = journalFieldText(fields['SYSLOG_IDENTIFIER']) ?? journalFieldText(fields['_COMM']);
  const timeMs =
    realtimeMs(fields['_SOURCE_REALTIME_TIMESTAMP']) ?? realtimeMs(fields['__REALTIME_TIMESTAMP']);
  if (message === null || process === null || timeMs === null) return { event: null, cursor };
  return { event: loginEventFromMessage(timeMs, process, message), cursor };
}
