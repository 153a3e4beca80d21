import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { digitRun, garble, mutate, RUNS, SYSFS_NASTY, sysfsFiles } from '../../test-support/garble.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../test-support/ttar.ts';
import type { HwmonSensor } from '../hwmon/parse.ts';
import { hwmonFanReading, parseRpm } from './parse.ts';

/**
 * Properties of the fan mapping on cut-off and garbled sysfs files: nothing throws, and a speed is
 * a non-negative safe integer or no reading at all (never a made-up 0, never NaN).
 */

const { anyText, edits } = garble(SYSFS_NASTY);

function check(input: string | null, label: string | null): void {
  const rpm = parseRpm(input);
  expect(rpm === null || (Number.isSafeInteger(rpm) && rpm >= 0)).toBe(true);
  const sensor: HwmonSensor = { chipId: 'chip', chipName: 'chip', sensor: 'fan1', input, label };
  const reading = hwmonFanReading(sensor);
  expect(reading === null ? null : reading.value).toBe(rpm);
}

describeWithFixtures('fan mapping properties on the node_exporter hwmon fixture', () => {
  let tree: UnpackedTtar;
  let inputs: string[];
  beforeAll(() => {
    tree = unpackTtarFiles(sharedFixturePath('linux', 'node_exporter-sys-hwmon.ttar'));
    inputs = sysfsFiles(tree.root)
      .filter(({ path }) => /(^|\/)fan\d+_(input|min|max|label)$/.test(path))
      .map((f) => f.content);
  });
  afterAll(() => tree.remove());

  it('any prefix of a real fan file maps to a non-negative rpm or none', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (which, cut) => {
        const text = inputs[which % inputs.length] ?? '';
        check(text.slice(0, cut % (text.length + 1)), text);
      }),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash it', () => {
    fc.assert(
      fc.property(fc.nat(), edits, (which, list) =>
        check(mutate(inputs[which % inputs.length] ?? '', list), null),
      ),
      RUNS,
    );
  });

  it('every untouched fanN_input reads as rpm ≥ 0', () => {
    expect(inputs.length).toBeGreaterThan(0);
    for (const text of inputs) {
      const rpm = parseRpm(text);
      if (rpm !== null) expect(rpm).toBeGreaterThanOrEqual(0);
    }
  });
});

it('arbitrary text and numbers of any length never crash the fan mapping', () => {
  fc.assert(
    fc.property(anyText, digitRun({ signed: true }), fc.option(anyText), (text, digits, label) => {
      check(text, label);
      check(digits, label);
    }),
    RUNS,
  );
});
