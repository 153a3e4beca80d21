import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { expectReasonedError, garble, MARKUP_NASTY, mutate, RUNS } from '../../test-support/garble.ts';
import { type MactopSample, parseMactopHeadless } from './mactop-parse.ts';

/**
 * Properties of the mactop reader on cut-off and garbled output: a sample with sane values or an
 * Error with a message, never a TypeError, NaN or Infinity.
 */

const { anyText, edits } = garble(MARKUP_NASTY);

function check(text: string): void {
  let sample: MactopSample;
  try {
    sample = parseMactopHeadless(text);
  } catch (error) {
    expectReasonedError(error);
    return;
  }
  for (const celsius of [sample.cpuTempCelsius, sample.gpuTempCelsius, sample.socTempCelsius]) {
    expect(celsius === null || (celsius > 0 && celsius <= 150)).toBe(true);
  }
  for (const watts of Object.values(sample.powerWatts)) {
    expect(watts === null || (Number.isFinite(watts) && watts >= 0)).toBe(true);
  }
  const gpu = sample.gpuUtilization;
  expect(gpu === null || (gpu >= 0 && gpu <= 1)).toBe(true);
  expect(sample.pressureLevel === null || [0, 1, 2, 3, 4].includes(sample.pressureLevel)).toBe(true);
}

const text = () => readFileSync(sharedFixturePath('macos', 'mactop-headless-m1ultra.json'), 'utf8');

describeWithFixtures('mactop parser properties on the real headless example', () => {
  it('any prefix, or a few garbled characters, is a sample or a reasoned error', () => {
    const whole = text();
    fc.assert(
      fc.property(fc.nat(whole.length), edits, (cut, list) => {
        check(whole.slice(0, cut));
        check(mutate(whole, list));
      }),
      RUNS,
    );
  });
});

it('arbitrary text and JSON never crash it', () => {
  fc.assert(
    fc.property(anyText, fc.jsonValue(), (raw, json) => {
      check(raw);
      check(JSON.stringify(json));
      check(JSON.stringify([{ soc_metrics: json, gpu_usage: json, thermal_state: json, cpu_temp: json }]));
    }),
    RUNS,
  );
});
