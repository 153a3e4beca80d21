import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { garble, MARKUP_NASTY, mutate, RUNS } from '../../test-support/garble.ts';
import { parseAuthMessage } from './auth-message-parse.ts';
import { parseJournalJsonLine } from './journald-parse.ts';
import { parseLastLinux, parseLastMacos } from './last-parse.ts';
import type { LoginEvent } from './login-event.ts';
import { parseSyslogLoginLine } from './syslog-line-parse.ts';
import { parseUnifiedLogRecord } from './unified-log-parse.ts';

/**
 * Cut-off and garbled real lines never make a parser throw, and whatever comes out is a well-formed
 * event: a finite time, a known outcome and method, a port in range, no NaN.
 */

const { anyText, edits } = garble(MARKUP_NASTY);
const OPTIONS = { nowMs: Date.UTC(2026, 0, 10), timeZoneOffsetMinutes: 0 };

function wellFormed(event: LoginEvent | null): void {
  if (event === null) return;
  expect(Number.isFinite(event.timeMs)).toBe(true);
  expect(['success', 'failure']).toContain(event.outcome);
  expect(['ssh', 'console', 'screensaver', 'sudo', 'other']).toContain(event.method);
  if (event.sourcePort !== null)
    expect(Number.isInteger(event.sourcePort) && event.sourcePort <= 65535).toBe(true);
  expect(typeof event.message).toBe('string');
}

const all = (line: string) => {
  wellFormed(parseSyslogLoginLine(line, OPTIONS));
  wellFormed(parseUnifiedLogRecord(line));
  wellFormed(parseJournalJsonLine(line).event);
  for (const e of parseLastMacos(line, OPTIONS)) wellFormed(e);
  for (const e of parseLastLinux(line)) wellFormed(e);
  const fields = parseAuthMessage('sshd', line);
  if (fields !== null) expect(fields.outcome).toMatch(/^(success|failure)$/);
};

const own = (name: string) => readFileSync(resolve(import.meta.dirname, 'testdata', name), 'utf8');
const ACCEPTANCE =
  'Jan  9 08:15:01 web1 sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2';

it('arbitrary text never throws in any parser', () => {
  fc.assert(
    fc.property(anyText, (text) => all(text)),
    RUNS,
  );
});

it('garbled journald and last samples (hand-made) never throw', () => {
  const texts = [...own('journalctl-auth.ndjson').split('\n'), own('last-linux-iso.txt'), ACCEPTANCE];
  fc.assert(
    fc.property(fc.constantFrom(...texts), edits, fc.nat(), (text, list, cut) => {
      const garbled = mutate(text, list);
      all(garbled);
      all(garbled.slice(0, cut % (garbled.length + 1)));
    }),
    RUNS,
  );
});

describeWithFixtures('login parsers on cut and garbled real captures', () => {
  const names = [
    'log-ndjson-loginwindow.ndjson',
    'log-ndjson-authorizationhost-failed.ndjson',
    'log-syslog-sshd-session.txt',
    'last-macos.txt',
    'wazuh-macos-sshd.ini',
    'wazuh-macos-loginwindow.ini',
  ];
  const lines = () =>
    names.flatMap((n) => readFileSync(sharedFixturePath('macos', n), 'utf8').split('\n').filter(Boolean));

  it('any prefix of a real line parses or is null', () => {
    const texts = lines();
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.nat(), (text, cut) =>
        all(text.slice(0, cut % (text.length + 1))),
      ),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters never crash a parser', () => {
    const texts = lines();
    fc.assert(
      fc.property(fc.constantFrom(...texts), edits, (text, list) => all(mutate(text, list))),
      RUNS,
    );
  });

  it('the whole macOS last capture, cut anywhere, still resolves to dates at or before now', () => {
    const text = readFileSync(sharedFixturePath('macos', 'last-macos.txt'), 'utf8');
    fc.assert(
      fc.property(fc.nat(), (cut) => {
        for (const e of parseLastMacos(text.slice(0, cut % (text.length + 1)), {
          nowMs: Date.UTC(2020, 1, 29),
          timeZoneOffsetMinutes: 0,
        })) {
          expect(e.timeMs).toBeLessThanOrEqual(Date.UTC(2020, 1, 29) + 86_400_000);
        }
      }),
      { numRuns: 50 },
    );
  });
});
