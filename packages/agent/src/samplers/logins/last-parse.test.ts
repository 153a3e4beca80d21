import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { parseLastLinux, parseLastMacos } from './last-parse.ts';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

describeWithFixtures('parseLastMacos on last-macos.txt (macOS 10.14.6, jc fixture)', () => {
  const text = readFileSync(sharedFixturePath('macos', 'last-macos.txt'), 'utf8');
  // The capture's newest row is Fri Feb 28 (2020); "now" is the day after.
  const events = parseLastMacos(text, { nowMs: Date.UTC(2020, 1, 29, 12), timeZoneOffsetMinutes: 0 });

  it('every session row becomes a console success; reboot, shutdown and wtmp begins are skipped', () => {
    expect(events).toHaveLength(323);
    expect(
      events.every((e) => e.outcome === 'success' && e.method === 'console' && e.sourceAddress === null),
    ).toBe(true);
    expect(events.filter((e) => e.detail === 'tty console')).toHaveLength(38);
    expect(new Set(events.map((e) => e.user))).toEqual(new Set(['kbrazil', 'root', '_mbsetupuser']));
  });

  it('the first and last rows, with the year counted back across New Year', () => {
    expect(events[0]).toEqual({
      timeMs: Date.UTC(2020, 1, 28, 14, 45),
      outcome: 'success',
      method: 'console',
      user: 'kbrazil',
      sourceAddress: null,
      sourcePort: null,
      process: 'last',
      message: 'kbrazil   ttys002                   Fri Feb 28 14:45   still logged in',
      detail: 'tty ttys002',
    });
    expect(events.at(-1)).toMatchObject({
      timeMs: Date.UTC(2019, 6, 2, 8, 52),
      user: 'root',
      detail: 'tty console',
    });
    expect(events.find((e) => e.message.includes('Thu Jan  2 14:05'))?.timeMs).toBe(
      Date.UTC(2020, 0, 2, 14, 5),
    );
    expect(events.find((e) => e.message.includes('Mon Dec 16 14:17'))?.timeMs).toBe(
      Date.UTC(2019, 11, 16, 14, 17),
    );
  });

  it('every resolved date falls on the weekday the row prints, and times only go back', () => {
    for (const e of events) {
      const weekday = /(Mon|Tue|Wed|Thu|Fri|Sat|Sun) /.exec(e.message)![1];
      expect(WEEKDAYS[new Date(e.timeMs).getUTCDay()], e.message).toBe(weekday);
    }
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.timeMs).toBeLessThanOrEqual(events[i - 1]!.timeMs);
  });

  it('the injected zone shifts every row (PST, -480 minutes)', () => {
    const pst = parseLastMacos(text, { nowMs: Date.UTC(2020, 1, 29, 12), timeZoneOffsetMinutes: -480 });
    expect(pst[0]!.timeMs).toBe(Date.UTC(2020, 1, 28, 22, 45));
  });
});

describe('parseLastMacos year rules', () => {
  it('a first row later than now (plus a day) is last year', () => {
    const events = parseLastMacos('bob  ttys000   Tue Dec 31 10:00 - 10:05  (00:05)\n', {
      nowMs: Date.UTC(2020, 0, 5),
      timeZoneOffsetMinutes: 0,
    });
    expect(events[0]?.timeMs).toBe(Date.UTC(2019, 11, 31, 10));
  });

  it('a remote host column makes it an ssh login', () => {
    const events = parseLastMacos('bob  ttys001  192.0.2.5   Wed Jan  1 10:00 - 10:05  (00:05)\n', {
      nowMs: Date.UTC(2020, 0, 5),
      timeZoneOffsetMinutes: 0,
    });
    expect(events[0]).toMatchObject({
      method: 'ssh',
      sourceAddress: '192.0.2.5',
      user: 'bob',
      timeMs: Date.UTC(2020, 0, 1, 10),
    });
  });
});

describe('parseLastLinux on the hand-made `last --time-format iso -w` sample', () => {
  const text = readFileSync(resolve(import.meta.dirname, 'testdata/last-linux-iso.txt'), 'utf8');
  const events = parseLastLinux(text);

  it('sessions only, with ssh for remote hosts and console for ttys and X displays', () => {
    expect(events.map((e) => [e.user, e.method, e.sourceAddress, e.timeMs])).toEqual([
      ['alice', 'ssh', '203.0.113.9', Date.UTC(2026, 0, 9, 9, 15)],
      ['bob', 'ssh', '2001:db8::7', Date.UTC(2026, 0, 9, 8)],
      ['carol', 'console', null, Date.UTC(2026, 0, 8, 19)],
      ['dave', 'console', null, Date.UTC(2026, 0, 8, 7)],
      ['erin.long-username-ok', 'ssh', 'bastion.example.net', Date.UTC(2026, 0, 7, 11)],
    ]);
    expect(events.every((e) => e.outcome === 'success' && e.process === 'last')).toBe(true);
    expect(events[0]!.detail).toBe('tty pts/0');
  });
});
