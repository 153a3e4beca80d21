import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { digitRun, garble, MARKUP_NASTY, mutate, RUNS } from '../../test-support/garble.ts';
import { parsePmsetTherm, pmsetThermalPressureLevel } from './pmset-therm-parse.ts';

/**
 * Properties of the `pmset -g therm` parser on cut-off and garbled real output: it never throws,
 * no CPU limit is NaN or Infinity, and the pressure level is 0 or null with a reason.
 */

const { anyText, edits } = garble(MARKUP_NASTY);

function check(text: string): void {
  const therm = parsePmsetTherm(text);
  for (const value of Object.values(therm.cpuPower ?? {})) {
    expect(value === null || Number.isSafeInteger(value)).toBe(true);
  }
  for (const line of therm.unrecognized) expect(line).not.toBe('');
  const pressure = pmsetThermalPressureLevel(therm);
  if (pressure.level === null) expect(pressure.why).not.toBe('');
  else expect(pressure.level).toBe(0);
}

const FIXTURES = ['pmset-therm-m1pro.txt', 'pmset-therm-cpu-power-notify.txt'];
const fixtures = () => FIXTURES.map((name) => readFileSync(sharedFixturePath('macos', name), 'utf8'));

describeWithFixtures('pmset -g therm parser properties on real outputs', () => {
  it('any prefix of a real output parses to a level or a reason', () => {
    const texts = fixtures();
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.nat(), (text, cut) =>
        check(text.slice(0, cut % (text.length + 1))),
      ),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash it', () => {
    const texts = fixtures();
    fc.assert(
      fc.property(fc.constantFrom(...texts), edits, (text, list) => check(mutate(text, list))),
      RUNS,
    );
  });

  it('the untouched outputs are nominal, with limits in 0..100', () => {
    for (const text of fixtures()) {
      const therm = parsePmsetTherm(text);
      expect(pmsetThermalPressureLevel(therm)).toEqual({ level: 0 });
      for (const limit of [therm.cpuPower?.speedLimitPercent, therm.cpuPower?.schedulerLimitPercent]) {
        if (limit !== undefined && limit !== null) expect(limit >= 0 && limit <= 100).toBe(true);
      }
    }
  });
});

it('arbitrary text never crashes the pmset parser', () => {
  fc.assert(
    fc.property(anyText, (text) => check(text)),
    RUNS,
  );
});

it('a CPU limit of any length is a safe integer or an unrecognised line', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('CPU_Scheduler_Limit', 'CPU_Available_CPUs', 'CPU_Speed_Limit'),
      digitRun(),
      (key, digits) => {
        check(`2021-05-02 09:52:27 +0200 CPU Power notify\n\t${key} \t= ${digits}\n`);
      },
    ),
    RUNS,
  );
});
