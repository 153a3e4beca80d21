/**
 * One `auth.login` attempt, as every parser in this folder returns it (ARCHITECTURE.md event
 * contract: `auth.outcome`, `user.name`, `auth.method`, `source.address`, plus `source.port` and
 * `process.executable.name` when known). The parsers are pure; the sampler that wires them turns a
 * LoginEvent into an OTel log record with `loginEventAttributes` and `message` as the body.
 *
 * Every user name and message here has already been through scrub.ts: a parser never hands out the
 * raw text of a log line.
 */
import type { AuthMethod, AuthOutcome } from '@perimeter/schema';
import { AttributeNames } from '@perimeter/schema';

export interface LoginEvent {
  /** When it happened, in ms since the epoch, parsed from the record (never the time it was read). */
  timeMs: number;
  outcome: AuthOutcome;
  method: AuthMethod;
  /** The account the attempt was for; null when the line names none (or macOS logged `<private>`). */
  user: string | null;
  sourceAddress: string | null;
  sourcePort: number | null;
  /** The program that logged it: sshd, sshd-session, sudo, login, loginwindow, authorizationhost, su, last… */
  process: string;
  /** The scrubbed original message text (the event body). */
  message: string;
  /**
   * How many attempts this one line stands for, where not one: rsyslog's `message repeated N times`
   * and sudo's `N incorrect password attempts` (auth-message-parse.ts). Each is its own event.
   */
  attempts?: number;
  /** e.g. 'publickey', 'password', 'keyboard-interactive/pam', 'invalid user', 'max attempts'. */
  detail?: string;
}

/** What one message says on its own: everything but the time and the body. */
export type AuthMessageFields = Omit<LoginEvent, 'timeMs' | 'message'>;

/** The OTel log-record attributes of one event; unknown values are left out, not sent as null. */
export function loginEventAttributes(event: LoginEvent): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    [AttributeNames.authOutcome]: event.outcome,
    [AttributeNames.authMethod]: event.method,
    [AttributeNames.processName]: event.process,
  };
  if (event.user !== null) attributes[AttributeNames.userName] = event.user;
  if (event.sourceAddress !== null) attributes[AttributeNames.sourceAddress] = event.sourceAddress;
  if (event.sourcePort !== null) attributes[AttributeNames.sourcePort] = event.sourcePort;
  return attributes;
}
