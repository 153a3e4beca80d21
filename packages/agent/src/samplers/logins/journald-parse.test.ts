import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalctlLoginArgv, journalFieldText, parseJournalJsonLine } from './journald-parse.ts';

// Hand-made from the documented field format; see testdata/README.md.
const lines = readFileSync(resolve(import.meta.dirname, 'testdata/journalctl-auth.ndjson'), 'utf8')
  .split('\n')
  .filter(Boolean);

describe('parseJournalJsonLine on the hand-made journalctl -o json sample', () => {
  const parsed = lines.map(parseJournalJsonLine);

  it('every line gives its cursor back, login or not', () => {
    expect(parsed.map((p) => p.cursor?.split(';')[1])).toEqual(['i=1', 'i=2', 'i=3', 'i=4', 'i=5', 'i=6']);
  });

  it('an sshd failure: µs realtime → ms, fields from the message', () => {
    expect(parsed[0]!.event).toEqual({
      timeMs: 1767312245123,
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

  it('sshd-session success over IPv6, timed by _SOURCE_REALTIME_TIMESTAMP', () => {
    expect(parsed[1]!.event).toMatchObject({
      timeMs: 1767312249999,
      outcome: 'success',
      user: 'alice',
      sourceAddress: '2001:db8::1',
      sourcePort: 50100,
      process: 'sshd-session',
    });
  });

  it('systemd-logind "New session" is not counted again', () => {
    expect(parsed[2]!.event).toBeNull();
  });

  it('a byte-array MESSAGE is decoded as UTF-8', () => {
    expect(parsed[3]!.event).toMatchObject({ outcome: 'success', method: 'sudo', user: 'alice' });
    expect(parsed[3]!.event?.message).toBe(
      '  alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/printf é\u001b',
    );
  });

  it('without SYSLOG_IDENTIFIER, _COMM names the program', () => {
    expect(parsed[4]!.event).toMatchObject({
      outcome: 'failure',
      method: 'console',
      user: 'bob',
      process: 'login',
    });
  });

  it('a null (oversized) MESSAGE is no event but keeps the cursor', () => {
    expect(parsed[5]!.event).toBeNull();
    expect(parsed[5]!.cursor).not.toBeNull();
  });
});

describe('parseJournalJsonLine edge cases', () => {
  it('non-JSON, arrays and bad timestamps give no event', () => {
    expect(parseJournalJsonLine('not json')).toEqual({ event: null, cursor: null });
    expect(parseJournalJsonLine('[1,2]')).toEqual({ event: null, cursor: null });
    const bad = JSON.stringify({
      __CURSOR: 'c',
      __REALTIME_TIMESTAMP: 'soon',
      SYSLOG_IDENTIFIER: 'sshd',
      MESSAGE: 'Invalid user x from 192.0.2.1',
    });
    expect(parseJournalJsonLine(bad)).toEqual({ event: null, cursor: 'c' });
  });

  it('journalFieldText: repeated fields take the first value; bytes out of range are not bytes', () => {
    expect(journalFieldText(['sshd', 'other'])).toBe('sshd');
    expect(journalFieldText([0xe2, 0x82, 0xac])).toBe('€');
    expect(journalFieldText([0xff])).toBe('\uFFFD');
    expect(journalFieldText([300])).toBeNull();
    expect(journalFieldText(null)).toBeNull();
  });

  it('journalctl argv resumes after a cursor, or starts at the end', () => {
    expect(journalctlLoginArgv('s=1;i=2')).toEqual([
      '--follow',
      '--output=json',
      '--no-pager',
      '--after-cursor',
      's=1;i=2',
      'SYSLOG_IDENTIFIER=sshd',
      'SYSLOG_IDENTIFIER=sshd-session',
      'SYSLOG_IDENTIFIER=sshd-auth',
      'SYSLOG_IDENTIFIER=sudo',
      'SYSLOG_IDENTIFIER=login',
      'SYSLOG_IDENTIFIER=su',
    ]);
    expect(journalctlLoginArgv(null)).toContain('--lines=0');
  });
});
