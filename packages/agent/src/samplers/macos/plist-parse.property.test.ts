import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import {
  allFinite,
  digitRun,
  expectReasonedError,
  garble,
  MARKUP_NASTY,
  mutate,
  RUNS,
} from '../../test-support/garble.ts';
import { type PlistValue, parseLastPlist, parsePlist } from './plist-parse.ts';
import { powermetricsHwModel, powermetricsPower, powermetricsThermalPressure } from './powermetrics-parse.ts';

/**
 * Properties of the plist reader and the powermetrics mappings on cut-off and garbled real output:
 * a document parses or throws a plain Error that says why (never a TypeError or RangeError), and no
 * number that comes out is NaN or Infinity.
 */

const { anyText, edits } = garble(MARKUP_NASTY);

function check(text: string, parse: (text: string) => PlistValue = parseLastPlist): void {
  let value: PlistValue;
  try {
    value = parse(text);
  } catch (error) {
    expectReasonedError(error);
    return;
  }
  expect(allFinite(value)).toBe(true);
  const power = powermetricsPower(value);
  for (const watts of Object.values(power ?? {}))
    expect(watts === null || (Number.isFinite(watts) && watts >= 0)).toBe(true);
  const pressure = powermetricsThermalPressure(value);
  if (pressure !== null)
    expect(pressure.level === null || [0, 1, 2, 3, 4].includes(pressure.level)).toBe(true);
  powermetricsHwModel(value);
}

const SMALL = ['powermetrics-soc-power.plist', 'powermetrics-thermal-mac16_6.plist'];
/** 521 KB: a parse takes milliseconds, so it gets fewer runs. */
const LARGE = 'powermetrics-default-mac15_9.plist';
const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');

describeWithFixtures('plist reader properties on real powermetrics output', () => {
  it('any prefix of a real document parses or fails with a reason', () => {
    const texts = SMALL.map(fixture);
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.nat(), (text, cut) =>
        check(text.slice(0, cut % (text.length + 1))),
      ),
      RUNS,
    );
    const large = fixture(LARGE);
    fc.assert(
      fc.property(fc.nat(large.length), (cut) => check(large.slice(0, cut))),
      { numRuns: 15 },
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash it', () => {
    const texts = SMALL.map(fixture);
    fc.assert(
      fc.property(fc.constantFrom(...texts), edits, (text, list) => check(mutate(text, list))),
      RUNS,
    );
    const large = fixture(LARGE);
    fc.assert(
      fc.property(edits, (list) => check(mutate(large, list))),
      { numRuns: 15 },
    );
  });

  it('two samples with the second cut off mid-write still give the first', () => {
    const text = fixture('powermetrics-thermal-mac16_6.plist');
    fc.assert(
      fc.property(fc.nat(text.length - 1), (cut) => {
        expect(parseLastPlist(`${text}\0${text.slice(0, cut)}`)).toEqual(parsePlist(text));
      }),
      RUNS,
    );
  });

  it('the untouched documents give non-negative watts and a known pressure word', () => {
    for (const name of [...SMALL, LARGE]) {
      const sample = parseLastPlist(fixture(name));
      for (const watts of Object.values(powermetricsPower(sample) ?? {})) {
        expect(watts === null || watts >= 0).toBe(true);
      }
      const pressure = powermetricsThermalPressure(sample);
      if (pressure !== null) expect(pressure.level).not.toBeNull();
    }
  });
});

it('arbitrary text never crashes the plist reader', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      check(text);
      check(`<plist><dict><key>k</key><string>${text}</string></dict></plist>`, parsePlist);
    }),
    RUNS,
  );
});

it('a character reference of any size decodes or is kept as written', () => {
  const reference = fc.oneof(
    digitRun().map((digits) => `&#${digits};`),
    fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => `&#x${n.toString(16)};`),
  );
  fc.assert(
    fc.property(reference, (ref) => check(`<plist><string>${ref}</string></plist>`, parsePlist)),
    RUNS,
  );
});

it('a number of any size is a finite number or an error', () => {
  fc.assert(
    fc.property(
      digitRun(),
      fc.constantFrom('', '.5', 'e5', 'e999'),
      fc.constantFrom('integer', 'real'),
      (digits, tail, tag) => {
        check(
          `<plist><dict><key>processor</key><dict><key>cpu_power</key><${tag}>${digits}${tail}</${tag}></dict></dict></plist>`,
        );
      },
    ),
    RUNS,
  );
});

it('deep nesting is an error with a reason, not a stack overflow', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20_000 }), fc.boolean(), (depth, closed) => {
      const open = '<array>'.repeat(depth);
      check(`<plist>${open}${closed ? '</array>'.repeat(depth) : ''}</plist>`, parsePlist);
    }),
    { numRuns: 50 },
  );
});
