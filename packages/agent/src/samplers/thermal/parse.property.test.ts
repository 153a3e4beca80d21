import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { digitRun, garble, mutate, RUNS, SYSFS_NASTY, sysfsFiles } from '../../test-support/garble.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../test-support/ttar.ts';
import type { HwmonSensor } from '../hwmon/parse.ts';
import { hwmonTemperatureReading, millidegreesToCelsius, thermalZoneReading } from './parse.ts';

/**
 * Properties of the millidegree mapping on cut-off and garbled sysfs files: nothing throws, and a
 * temperature is a finite number or no reading at all.
 */

const { anyText, edits } = garble(SYSFS_NASTY);

function check(temp: string | null, label: string | null): void {
  const celsius = millidegreesToCelsius(temp);
  expect(celsius === null || Number.isFinite(celsius)).toBe(true);
  const sensor: HwmonSensor = { chipId: 'chip', chipName: 'chip', sensor: 'temp1', input: temp, label };
  for (const reading of [
    hwmonTemperatureReading(sensor),
    thermalZoneReading({ zone: 'thermal_zone0', type: label, temp }),
  ]) {
    if (reading === null) continue;
    expect(reading.value).toBe(celsius);
    expect(Number.isFinite(reading.value)).toBe(true);
    expect(reading.attributes['hw.name']).not.toBe('');
  }
}

describeWithFixtures('temperature mapping properties on the node_exporter sysfs fixtures', () => {
  let tree: UnpackedTtar;
  let temps: string[];
  let labels: string[];
  beforeAll(() => {
    tree = unpackTtarFiles(
      sharedFixturePath('linux', 'node_exporter-sys-hwmon.ttar'),
      sharedFixturePath('linux', 'node_exporter-sys-thermal_zone.ttar'),
    );
    const files = sysfsFiles(tree.root);
    temps = files.filter(({ path }) => /(^|\/)(temp\d+_input|temp)$/.test(path)).map((f) => f.content);
    labels = files.filter(({ path }) => /(_label|\/type)$/.test(path)).map((f) => f.content);
  });
  afterAll(() => tree.remove());

  it('any prefix of a real temperature or label file maps to a finite reading or none', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (which, cut) => {
        const temp = temps[which % temps.length] ?? '';
        const label = labels[which % labels.length] ?? '';
        check(temp.slice(0, cut % (temp.length + 1)), label.slice(0, cut % (label.length + 1)));
      }),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash it', () => {
    fc.assert(
      fc.property(fc.nat(), edits, (which, list) => {
        check(
          mutate(temps[which % temps.length] ?? '', list),
          mutate(labels[which % labels.length] ?? '', list),
        );
      }),
      RUNS,
    );
  });

  it('every untouched temperature file reads within −50..150 °C', () => {
    expect(temps.length).toBeGreaterThan(0);
    for (const temp of temps) {
      const celsius = millidegreesToCelsius(temp);
      expect(celsius).toBeGreaterThanOrEqual(-50);
      expect(celsius).toBeLessThanOrEqual(150);
    }
  });
});

it('arbitrary text and numbers of any length never crash the temperature mapping', () => {
  fc.assert(
    fc.property(anyText, digitRun({ signed: true }), fc.option(anyText), (text, digits, label) => {
      check(text, label);
      check(digits, label);
      check(null, text);
    }),
    RUNS,
  );
});
