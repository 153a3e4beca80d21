import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { parseSyslogLine, parseSyslogLoginLine } from './syslog-line-parse.ts';
import { wazuhIniCases } from './wazuh-ini.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const UTC = { nowMs: NOW, timeZoneOffsetMinutes: 0 };

describe('parseSyslogLoginLine: the acceptance line', () => {
  it('auth.log "Failed password for invalid user admin" → failure, admin, 203.0.113.9:4242, ssh', () => {
    const line =
      'Jan  9 08:15:01 web1 sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2';
    expect(parseSyslogLoginLine(line, UTC)).toEqual({
      timeMs: Date.UTC(2026, 0, 9, 8, 15, 1),
      outcome: 'failure',
      method: 'ssh',
      user: 'admin',
      sourceAddress: '203.0.113.9',
      sourcePort: 4242,
      process: 'sshd',
      message: 'Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2',
      detail: 'password, invalid user',
    });
  });
});

describe('parseSyslogLine: times', () => {
  it('classic lines take the year of now, or the previous one when more than a day ahead', () => {
    expect(parseSyslogLine('Jan 11 11:00:00 h sshd[1]: x', UTC)?.timeMs).toBe(Date.UTC(2026, 0, 11, 11));
    expect(parseSyslogLine('Dec 31 23:59:59 h sshd[1]: x', UTC)?.timeMs).toBe(
      Date.UTC(2025, 11, 31, 23, 59, 59),
    );
    expect(parseSyslogLine('Jan 12 00:00:00 h sshd[1]: x', UTC)?.timeMs).toBe(Date.UTC(2025, 0, 12));
  });

  it('classic lines are in the injected zone (minutes east of UTC)', () => {
    const line = 'Jan  2 03:04:05 h sudo: alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls';
    const parsed = parseSyslogLine(line, { nowMs: NOW, timeZoneOffsetMinutes: 120 });
    expect(parsed).toEqual({
      timeMs: Date.UTC(2026, 0, 2, 1, 4, 5),
      host: 'h',
      process: 'sudo',
      pid: null,
      message: 'alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls',
    });
  });

  it('RFC 3339 lines (rsyslog high precision, Debian 12) carry their own year and zone', () => {
    const line =
      '2026-01-02T03:04:05.123456+01:00 deb12 sshd[77]: Accepted publickey for bob from 2001:db8::1 port 22 ssh2';
    expect(parseSyslogLoginLine(line, UTC)).toMatchObject({
      timeMs: Date.UTC(2026, 0, 2, 2, 4, 5, 123),
      outcome: 'success',
      user: 'bob',
      sourceAddress: '2001:db8::1',
      sourcePort: 22,
    });
  });

  it('rejects impossible dates and lines of no known shape', () => {
    expect(parseSyslogLine('2026-02-30T00:00:00Z h sshd[1]: x', UTC)).toBeNull();
    expect(parseSyslogLine('Foo  1 00:00:00 h sshd[1]: x', UTC)).toBeNull();
    expect(parseSyslogLine('just text', UTC)).toBeNull();
  });
});

const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');

describeWithFixtures('macOS log stream --style syslog fixtures', () => {
  it('log-syslog-sshd-session.txt: one Accepted publickey, three noise lines', () => {
    const lines = fixture('log-syslog-sshd-session.txt').split('\n').filter(Boolean);
    const events = lines.map((l) => parseSyslogLoginLine(l, UTC));
    expect(events[0]).toEqual({
      timeMs: Date.UTC(2026, 8, 13, 19, 31, 9, 292),
      outcome: 'success',
      method: 'ssh',
      user: 'vagrant',
      sourceAddress: '10.211.55.2',
      sourcePort: 54807,
      process: 'sshd-session',
      message:
        'Accepted publickey for vagrant from 10.211.55.2 port 54807 ssh2: ED25519 SHA256:MA2Wm9kQUD/G5bnJfpI4mXnkT6g9M7Z04XRtcSk2P/o',
      detail: 'publickey',
    });
    expect(events.slice(1)).toEqual([null, null, null]);
    // The noise lines are still well-formed syslog lines: it is the classifier that says no.
    expect(parseSyslogLine(lines[1]!, UTC)?.process).toBe('sshd-session');
  });

  it('wazuh-macos-sshd.ini: every case classified', () => {
    const f = (user: string, address: string, port: number | null, detail: string) => ({
      outcome: 'failure',
      method: 'ssh',
      user,
      sourceAddress: address,
      sourcePort: port,
      process: 'sshd',
      detail,
    });
    const s = (user: string, address: string, port: number, detail: string) => ({
      ...f(user, address, port, detail),
      outcome: 'success',
    });
    const expected: Record<string, object | null> = {
      // sshd's PAM error lines precede its own `Failed …` line for the same attempt (counted there).
      'SSHD Attempt to login using a non-existent user / log 1': null,
      'SSHD Attempt to login using a non-existent user / log 2': null,
      'SSHD Authentication error / log 1': null,
      'SSHD Authentication error / log 2': f('user', '172.18.1.100', 43042, 'password'),
      'SSHD Authentication error / log 3': f(
        'user',
        '172.18.1.1',
        32982,
        'keyboard-interactive/pam, invalid user',
      ),
      // A summary of failures already logged one by one.
      'SSHD Maximum authentication attempts exceeded / log 1': null,
      'SSHD Maximum authentication attempts exceeded / log 2': null,
      'SSHD Disconnect / log 1': null,
      'SSHD Disconnect / log 2': null,
      'SSHD Authentication success / log 1': s('user', '10.0.2.2', 55468, 'publickey'),
      'SSHD Authentication success / log 2': s('user', '172.18.1.100', 43042, 'password'),
      'SSHD Authentication success / log 3': s('user', '172.18.1.100', 43044, 'keyboard-interactive/pam'),
      'SSHD insecure connection attempt / log 1': null,
      'SSHD: Failed write / log 1': null,
      'SSHD: Failed write / log 2': null,
      // A disconnect and a refusal whose password attempts sshd logs as `Failed … invalid user`.
      'SSHD: connection reset / log 1': null,
      'SSHD: denied user / log 1': null,
      'SSHD: denied user / log 2': null,
      'SSHD: Reverse lookup error / log 1': null,
      'SSHD: Reverse lookup error / log 2': null,
      'SSHD: possible attack / log 1': null,
    };
    const cases = wazuhIniCases(fixture('wazuh-macos-sshd.ini'));
    expect(cases.map((c) => c.key).sort()).toEqual(Object.keys(expected).sort());
    for (const { key, line } of cases) {
      const event = parseSyslogLoginLine(line, UTC);
      expect(parseSyslogLine(line, UTC), key).not.toBeNull();
      if (expected[key] === null) expect(event, key).toBeNull();
      else expect(event, key).toMatchObject(expected[key]!);
    }
    const first = parseSyslogLine(cases[0]!.line, UTC);
    expect(first?.timeMs).toBe(Date.UTC(2020, 2, 23, 13, 47, 42, 801));
  });

  it('wazuh-macos-loginwindow.ini: unlock and screen sharing are logins; lock, logout, tcc, securityd are not', () => {
    const cases = wazuhIniCases(fixture('wazuh-macos-loginwindow.ini'));
    const events = Object.fromEntries(cases.map(({ key, line }) => [key, parseSyslogLoginLine(line, UTC)]));
    expect(cases).toHaveLength(10);
    expect(events['Screen unlocked with userID:$(userID) / log 1']).toEqual({
      timeMs: Date.UTC(2023, 0, 23, 11, 14, 0, 792),
      outcome: 'success',
      method: 'screensaver',
      user: null,
      sourceAddress: null,
      sourcePort: null,
      process: 'loginwindow',
      message:
        '[com.apple.loginwindow.logging:Standard] -[SessionAgentNotificationCenter sendBSDNotification:forUserID:] | sendBSDNotification: com.apple.sessionagent.screenIsUnlocked, with userID:501',
      detail: 'unlock uid 501',
    });
    expect(
      events[
        'Attempt to connect to screen sharing with username $(dstuser) from $(ip_address) failed / log 1'
      ],
    ).toMatchObject({
      outcome: 'failure',
      method: 'other',
      user: 'macos',
      sourceAddress: '192.168.56.128',
      process: 'screensharingd',
    });
    expect(
      events[
        'Attempt to connect to screen sharing with username $(dstuser) from $(ip_address) succeeded / log 1'
      ],
    ).toMatchObject({ outcome: 'success', method: 'other', user: 'macos', sourceAddress: '192.168.56.128' });
    const notLogins = Object.entries(events)
      .filter(([, e]) => e === null)
      .map(([k]) => k);
    expect(notLogins.sort()).toEqual(
      [
        '$(application) has been granted permission to $(service) at $(time) / log 1',
        '$(application) has been denied permission to $(service) at $(time) / log 1',
        'Screen locked / log 1',
        'User logoff / log 1',
        'User login / log 1', // loginIsComplete: the end of a login loginwindow already logged as doLogin
        'Session $(sessionId) has been created / log 1',
        'Session $(sessionId) has been destroyed / log 1',
      ].sort(),
    );
  });
});
