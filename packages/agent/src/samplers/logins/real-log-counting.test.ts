/**
 * Each attempt counted once on real logs from real servers (issue 18, "Exact on real logs"). The
 * files are kept byte for byte in testdata/ (sources in testdata/README.md); the expected counts come
 * from the servers' own lines, worked out beside each test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSyslogLoginLine } from './syslog-line-parse.ts';
import { loginEventReadings } from './to-event-reading.ts';

const testdata = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

/** Events the agent would spool for a whole file, by outcome. */
function countAttempts(text: string): { failure: number; success: number } {
  const counts = { failure: 0, success: 0 };
  for (const line of text.split('\n')) {
    const login = parseSyslogLoginLine(line, { nowMs: Date.UTC(2026, 0, 1), timeZoneOffsetMinutes: 0 });
    if (login === null) continue;
    for (const reading of loginEventReadings(login)) {
      counts[reading.attributes['auth.outcome'] === 'failure' ? 'failure' : 'success'] += 1;
    }
  }
  return counts;
}

describe('login attempts on real logs', () => {
  it('loghub OpenSSH_2k (a real attacked server): 528 failures, as sshd logged them, not 635', () => {
    const log = testdata('loghub-OpenSSH_2k.log');
    // sshd wrote 518 `Failed password` lines and 2 `message repeated 5 times: [ Failed password …]`
    // lines (10 more). Its 113 `Invalid user` lines, 4 `Failed none` probes, 496 pam_unix
    // `authentication failure` lines and 10 `PAM N more authentication failures` summaries restate
    // or precede those attempts and add none.
    expect(log.split('\n').filter((l) => / sshd\[\d+\]: Failed password /.test(l))).toHaveLength(518);
    expect(log.match(/message repeated 5 times: \[ Failed password/g)).toHaveLength(2);
    expect(countAttempts(log)).toEqual({ failure: 518 + 2 * 5, success: 1 });
  });

  it("fail2ban's annotated sshd test log: one failure per refused credential sshd logged", () => {
    const log = testdata('fail2ban-sshd.log');
    // The lines sshd writes for a refused credential, Solaris `[ID … auth.info]` prefix and SSH-1
    // forms included; `Failed none` is not one.
    const refused = log
      .split('\n')
      .filter((l) =>
        /sshd(?:-session)?\[\d+\]: (?:\[ID \d+ [\w.]+\] )?Failed (?:password|publickey|keyboard-interactive|hostbased)/.test(
          l,
        ),
      );
    expect(refused).toHaveLength(28);
    expect(countAttempts(log)).toEqual({ failure: 28, success: 4 });
  });
});
