import { describe, expect, it } from 'vitest';
import {
  loginEventFromMessage,
  MAX_ATTEMPTS_PER_LINE,
  normalizeProcessName,
  parseAuthMessage,
} from './auth-message-parse.ts';
import type { AuthMessageFields } from './login-event.ts';

const ssh = (
  outcome: 'success' | 'failure',
  user: string | null,
  sourceAddress: string | null,
  sourcePort: number | null,
  detail: string,
  process = 'sshd',
): AuthMessageFields => ({ outcome, method: 'ssh', user, sourceAddress, sourcePort, process, detail });

describe('parseAuthMessage: sshd and sshd-session', () => {
  const cases: Array<[string, string, AuthMessageFields]> = [
    [
      'sshd',
      'Accepted publickey for alice from 198.51.100.7 port 50022 ssh2: ED25519 SHA256:abc/def',
      ssh('success', 'alice', '198.51.100.7', 50022, 'publickey'),
    ],
    [
      'sshd',
      'Accepted password for bob from 198.51.100.7 port 1 ssh2',
      ssh('success', 'bob', '198.51.100.7', 1, 'password'),
    ],
    [
      'sshd-session',
      'Accepted keyboard-interactive/pam for carol from 2001:db8::1 port 22 ssh2',
      ssh('success', 'carol', '2001:db8::1', 22, 'keyboard-interactive/pam', 'sshd-session'),
    ],
    [
      'sshd',
      'Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2',
      ssh('failure', 'admin', '203.0.113.9', 4242, 'password, invalid user'),
    ],
    [
      'sshd',
      'Failed password for root from 203.0.113.9 port 4242 ssh2',
      ssh('failure', 'root', '203.0.113.9', 4242, 'password'),
    ],
    [
      'sshd',
      'Failed keyboard-interactive/pam for invalid user oracle from fe80::1%en0 port 6000 ssh2',
      ssh('failure', 'oracle', 'fe80::1%en0', 6000, 'keyboard-interactive/pam, invalid user'),
    ],
    [
      'sshd',
      'Failed password for josé.müller from 192.0.2.1 port 22 ssh2',
      ssh('failure', 'josé.müller', '192.0.2.1', 22, 'password'),
    ],
    [
      'sshd',
      'Failed password for invalid user 管理员 from 192.0.2.1 port 22 ssh2',
      ssh('failure', '管理员', '192.0.2.1', 22, 'password, invalid user'),
    ],
  ];
  it.each(cases)('%s: %s', (process, message, expected) => {
    expect(parseAuthMessage(process, message)).toEqual(expected);
  });

  it.each([
    // Lines that announce or sum up attempts whose own `Failed` line is counted (one count each).
    'Invalid user test from 203.0.113.9 port 40000',
    'Invalid user test from 203.0.113.9',
    'error: PAM: authentication error for illegal user badguy from 192.0.2.1',
    'error: PAM: authentication error for dave from 192.0.2.1',
    'error: PAM: unknown user for illegal user badguy from 192.0.2.1',
    'error: maximum authentication attempts exceeded for invalid user badguy from 192.0.2.1 port 55146 ssh2 [preauth]',
    'maximum authentication attempts exceeded for root from 192.0.2.1 port 2 ssh2 [preauth]',
    'Connection closed by authenticating user root 192.0.2.1 port 3456 [preauth]',
    'User root from 192.0.2.1 not allowed because not listed in AllowUsers',
    'PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root',
    // `none` is the client asking which methods exist (RFC 4252 §5.2): no credential was tried.
    'Failed none for invalid user 0 from 203.0.113.9 port 49811 ssh2',
    'Connection closed by 203.0.113.9 port 55462 [preauth]',
    'Disconnected from user alice 203.0.113.9 port 43042',
    'Did not receive identification string from 203.0.113.9 port 45824',
    'pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)',
    'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root',
    'Server listening on :: port 22.',
    '(libsystem_info.dylib) [com.apple.network.libinfo:si_destination_compare] send failed: Invalid argument',
    '(CFOpenDirectory) Created Activity ID: 0x3e9f6, Description: Open a given node',
    '',
  ])('not an attempt of its own: %s', (message) => {
    expect(parseAuthMessage('sshd', message)).toBeNull();
  });
});

describe('parseAuthMessage: sudo, login, su, logind', () => {
  it('a sudo COMMAND line is a successful sudo by the invoking user', () => {
    expect(
      parseAuthMessage('sudo', '   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls'),
    ).toEqual({
      outcome: 'success',
      method: 'sudo',
      user: 'alice',
      sourceAddress: null,
      sourcePort: null,
      process: 'sudo',
    });
  });

  it('incorrect password attempts and NOT in sudoers are sudo failures', () => {
    expect(
      parseAuthMessage(
        'sudo',
        'alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/x ; USER=root ; COMMAND=/bin/ls',
      ),
    ).toMatchObject({
      outcome: 'failure',
      method: 'sudo',
      user: 'alice',
      detail: '3 incorrect password attempts',
    });
    expect(
      parseAuthMessage(
        'sudo',
        'mallory : user NOT in sudoers ; TTY=pts/1 ; PWD=/x ; USER=root ; COMMAND=/bin/sh',
      ),
    ).toMatchObject({ outcome: 'failure', method: 'sudo', user: 'mallory' });
  });

  it('sudo: `N incorrect password attempts` stands for N; its pam_unix lines restate them', () => {
    expect(
      parseAuthMessage(
        'sudo',
        'alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/x ; USER=root ; COMMAND=/bin/ls',
      ),
    ).toMatchObject({ outcome: 'failure', attempts: 3 });
    expect(
      parseAuthMessage(
        'sudo',
        'alice : 1 incorrect password attempt ; TTY=pts/0 ; PWD=/x ; USER=root ; COMMAND=/bin/ls',
      ),
    ).not.toHaveProperty('attempts');
    expect(
      parseAuthMessage(
        'sudo',
        'pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice',
      ),
    ).toBeNull();
    expect(
      parseAuthMessage(
        'sudo',
        'PAM 2 more authentication failures; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice',
      ),
    ).toBeNull();
  });

  it("rsyslog's `message repeated N times: [ M ]` is N times M, for every rule", () => {
    const repeated = (process: string, inner: string, times = 4) =>
      parseAuthMessage(process, `message repeated ${times} times: [ ${inner}]`);
    expect(repeated('sshd', 'Failed password for root from 203.0.113.9 port 42393 ssh2')).toMatchObject({
      outcome: 'failure',
      user: 'root',
      attempts: 4,
    });
    expect(
      repeated('login', "FAILED LOGIN (1) on '/dev/tty1' FOR 'bob', Authentication failure"),
    ).toMatchObject({ outcome: 'failure', method: 'console', attempts: 4 });
    expect(repeated('su', 'FAILED SU (to root) alice on pts/0')).toMatchObject({ user: 'root', attempts: 4 });
    // 2 lines of "3 incorrect password attempts" are 6 attempts.
    expect(
      repeated(
        'sudo',
        'alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/x ; USER=root ; COMMAND=/bin/ls',
        2,
      ),
    ).toMatchObject({ attempts: 6 });
    // A restating line stays none however often it repeats; so does noise.
    expect(repeated('sshd', 'Invalid user x from 203.0.113.9 port 1')).toBeNull();
    expect(
      repeated(
        'sudo',
        'pam_unix(sudo:auth): authentication failure; logname=a uid=1 euid=0 tty=/dev/pts/0 ruser=a rhost=  user=a',
      ),
    ).toBeNull();
    expect(repeated('sshd', 'Failed password for root from 203.0.113.9 port 1 ssh2', 1)).not.toHaveProperty(
      'attempts',
    );
    // A forged count cannot flood the spool.
    expect(
      repeated('sshd', 'Failed password for root from 203.0.113.9 port 1 ssh2', 99_999_999),
    ).toMatchObject({
      attempts: MAX_ATTEMPTS_PER_LINE,
    });
  });

  it('login: FAILED LOGIN, ROOT LOGIN and the pam session line', () => {
    expect(
      parseAuthMessage('login', "FAILED LOGIN (1) on '/dev/tty1' FOR 'bob', Authentication failure"),
    ).toEqual({
      outcome: 'failure',
      method: 'console',
      user: 'bob',
      sourceAddress: null,
      sourcePort: null,
      process: 'login',
      detail: 'Authentication failure on /dev/tty1',
    });
    expect(parseAuthMessage('login', "ROOT LOGIN  on '/dev/tty1'")).toMatchObject({
      outcome: 'success',
      method: 'console',
      user: 'root',
      detail: 'root login on /dev/tty1',
    });
    expect(
      parseAuthMessage(
        'login',
        'pam_unix(login:session): session opened for user carol(uid=1001) by LOGIN(uid=0)',
      ),
    ).toMatchObject({ outcome: 'success', method: 'console', user: 'carol' });
    // login writes its own FAILED LOGIN line for the same attempt.
    expect(
      parseAuthMessage(
        'login',
        'pam_unix(login:auth): authentication failure; logname=LOGIN uid=0 euid=0 tty=/dev/tty1 ruser= rhost=  user=bob',
      ),
    ).toBeNull();
  });

  it('su: FAILED SU and the (to root) success line, user = the target account; pam_unix restates', () => {
    expect(
      parseAuthMessage(
        'su',
        'pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 tty=pts/0 ruser=alice rhost=  user=root',
      ),
    ).toBeNull();
    expect(parseAuthMessage('su', '(to root) alice on pts/0')).toMatchObject({
      outcome: 'success',
      method: 'other',
      user: 'root',
      detail: 'su by alice on pts/0',
    });
    expect(parseAuthMessage('su', 'FAILED SU (to root) alice on pts/0')).toMatchObject({
      outcome: 'failure',
      user: 'root',
    });
  });

  it('systemd-logind and sudo/su session lines are not login attempts (sshd/sudo already counted them)', () => {
    expect(parseAuthMessage('systemd-logind', 'New session 3 of user alice.')).toBeNull();
    expect(
      parseAuthMessage(
        'sudo',
        'pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)',
      ),
    ).toBeNull();
    expect(
      parseAuthMessage('su', 'pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)'),
    ).toBeNull();
    expect(
      parseAuthMessage('CRON', 'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)'),
    ).toBeNull();
  });

  it('the process name may come with a path or a pid', () => {
    expect(normalizeProcessName('/usr/sbin/sshd')).toBe('sshd');
    expect(normalizeProcessName('sshd[123]')).toBe('sshd');
    expect(
      parseAuthMessage('/usr/sbin/sshd', 'Failed password for x from 192.0.2.1 port 2 ssh2'),
    ).toMatchObject({
      user: 'x',
      process: 'sshd',
    });
  });
});

describe('loginEventFromMessage scrubs the user and the body', () => {
  it('a password typed as the user name is redacted in both places', () => {
    const event = loginEventFromMessage(
      1000,
      'sshd',
      'Failed password for invalid user Hunter2!Summer from 192.0.2.1 port 22 ssh2',
    );
    expect(event).toEqual({
      timeMs: 1000,
      outcome: 'failure',
      method: 'ssh',
      user: '[redacted]',
      sourceAddress: '192.0.2.1',
      sourcePort: 22,
      process: 'sshd',
      message: 'Failed password for invalid user [redacted] from 192.0.2.1 port 22 ssh2',
      detail: 'password, invalid user',
    });
  });

  it('a user name with spaces (a pass phrase) is redacted', () => {
    const event = loginEventFromMessage(
      1,
      'sshd',
      'Failed password for invalid user correct horse battery from 192.0.2.1 port 22 ssh2',
    );
    expect(event?.user).toBe('[redacted]');
    expect(event?.message).toBe('Failed password for invalid user [redacted] from 192.0.2.1 port 22 ssh2');
  });

  it('a secret in a sudo command line is scrubbed from the body but the user stays', () => {
    const event = loginEventFromMessage(
      1,
      'sudo',
      'alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/env AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE mysql --password=hunter2',
    );
    expect(event?.user).toBe('alice');
    expect(event?.message).toBe(
      'alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/env AWS_ACCESS_KEY_ID=[redacted] mysql --password=[redacted]',
    );
  });

  it('a non-finite time is not an event', () => {
    expect(
      loginEventFromMessage(Number.NaN, 'sshd', 'Failed password for x from 192.0.2.1 port 2 ssh2'),
    ).toBeNull();
  });
});
