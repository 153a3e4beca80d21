import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import {
  MACOS_LOGIN_PREDICATE,
  parseUnifiedLogRecord,
  parseUnifiedLogTimestamp,
} from './unified-log-parse.ts';

const records = (name: string) =>
  readFileSync(sharedFixturePath('macos', name), 'utf8').split('\n').filter(Boolean);

describeWithFixtures('parseUnifiedLogRecord on real ndjson records', () => {
  it('log-ndjson-loginwindow.ndjson: only -[Login1 doLogin] is a login', () => {
    const [sessionDictionary, doLogin, isGuestAccount] = records('log-ndjson-loginwindow.ndjson').map((r) =>
      parseUnifiedLogRecord(r),
    );
    // SessionLogoutManager's dictionary is logout bookkeeping; isGuestAccount | enter is a trace.
    expect(sessionDictionary).toBeNull();
    expect(isGuestAccount).toBeNull();
    expect(doLogin).toEqual({
      timeMs: Date.UTC(2025, 8, 26, 6, 32, 36, 119),
      outcome: 'success',
      method: 'console',
      user: '_mbsetupuser',
      sourceAddress: null,
      sourcePort: null,
      process: 'loginwindow',
      message: '-[Login1 doLogin] | shortUsername = _mbsetupuser, userID = 248, groupID = 248',
      detail: 'doLogin',
    });
  });

  it('log-ndjson-authorizationhost-failed.ndjson: a failure with the <private> user unknown', () => {
    const [record] = records('log-ndjson-authorizationhost-failed.ndjson');
    expect(parseUnifiedLogRecord(record!)).toEqual({
      timeMs: Date.UTC(2025, 3, 2, 10, 47, 12, 103),
      outcome: 'failure',
      method: 'other',
      user: null,
      sourceAddress: null,
      sourcePort: null,
      process: 'authorizationhost',
      message: 'Failed to authenticate user <<private>> (error: 9).',
      detail: 'error 9',
    });
  });
});

describe('parseUnifiedLogRecord', () => {
  const base = {
    timestamp: '2025-10-01 10:20:30.123456-0700',
    messageType: 'Default',
    eventType: 'logEvent',
    subsystem: '',
    category: '',
  };

  it('sshd-session records reuse the sshd rules', () => {
    const record = {
      ...base,
      processImagePath: '/usr/libexec/sshd-session',
      eventMessage: 'Failed password for invalid user admin from 2001:db8::9 port 61000 ssh2',
    };
    expect(parseUnifiedLogRecord(record)).toMatchObject({
      timeMs: Date.UTC(2025, 9, 1, 17, 20, 30, 123),
      outcome: 'failure',
      method: 'ssh',
      user: 'admin',
      sourceAddress: '2001:db8::9',
      sourcePort: 61000,
      process: 'sshd-session',
    });
  });

  it('an authorizationhost failure for the screensaver right is a screensaver failure', () => {
    const record = {
      ...base,
      processImagePath: '/System/Library/Frameworks/Security.framework/authorizationhost',
      subsystem: 'com.apple.Authorization',
      category: 'system.login.screensaver',
      eventMessage: 'Failed to authenticate user <alice> (error: 9).',
    };
    expect(parseUnifiedLogRecord(record)).toMatchObject({
      outcome: 'failure',
      method: 'screensaver',
      user: 'alice',
    });
  });

  it('banners, other processes and bad timestamps are not events', () => {
    expect(parseUnifiedLogRecord('Filtering the log data using "process == \\"sshd\\""')).toBeNull();
    expect(
      parseUnifiedLogRecord({ ...base, processImagePath: '/usr/libexec/tccd', eventMessage: 'x' }),
    ).toBeNull();
    expect(
      parseUnifiedLogRecord({
        ...base,
        timestamp: 'yesterday',
        processImagePath: '/usr/sbin/sshd',
        eventMessage: 'Invalid user x from 192.0.2.1',
      }),
    ).toBeNull();
  });

  it('parseUnifiedLogTimestamp reads the zone and drops sub-ms digits', () => {
    expect(parseUnifiedLogTimestamp('2025-04-02 16:17:12.103054+0530')).toBe(
      Date.UTC(2025, 3, 2, 10, 47, 12, 103),
    );
    expect(parseUnifiedLogTimestamp('2025-04-02 16:17:12+0000')).toBe(Date.UTC(2025, 3, 2, 16, 17, 12));
    expect(parseUnifiedLogTimestamp('2025-04-02 16:17:12')).toBeNull();
    expect(parseUnifiedLogTimestamp('2025-13-02 16:17:12+0000')).toBeNull();
  });

  it('the predicate names every login source and is one expression', () => {
    for (const name of [
      'sshd',
      'sshd-session',
      'loginwindow',
      'sudo',
      'authorizationhost',
      'screenIsUnlocked',
    ]) {
      expect(MACOS_LOGIN_PREDICATE).toContain(`"${name}"`);
    }
    expect(MACOS_LOGIN_PREDICATE.split('(').length).toBe(MACOS_LOGIN_PREDICATE.split(')').length);
  });
});
