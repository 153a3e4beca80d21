import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import {
  digitRun,
  expectReasonedError,
  garble,
  MARKUP_NASTY,
  mutate,
  RUNS,
} from '../../test-support/garble.ts';
import {
  type MacmonSample,
  macmonSampleFromExposition,
  parseExposition,
  parseMacmonPipeJson,
} from './macmon-parse.ts';
import { MACMON_PIPE_LINE } from './macmon-test-input.ts';

/**
 * Properties of the macmon readers on cut-off and garbled output: the Prometheus reader never
 * throws and skips what does not fit; the pipe reader returns a sample or throws an Error (its own,
 * or JSON.parse's SyntaxError) with a message, never a TypeError; temperatures stay in (0, 150],
 * rpm and watts ≥ 0, nothing NaN or Infinity.
 */

const { anyText, edits } = garble(MARKUP_NASTY);

function checkSample(sample: MacmonSample): void {
  for (const celsius of [sample.cpuTempCelsius, sample.gpuTempCelsius]) {
    expect(celsius === null || (celsius > 0 && celsius <= 150)).toBe(true);
  }
  for (const watts of Object.values(sample.powerWatts)) {
    expect(watts === null || (Number.isFinite(watts) && watts >= 0)).toBe(true);
  }
  for (const fan of sample.fans ?? []) {
    expect(Number.isFinite(fan.rpm) && fan.rpm >= 0).toBe(true);
    expect(typeof fan.name).toBe('string');
  }
}

function checkExposition(text: string): void {
  for (const sample of parseExposition(text)) expect(Number.isFinite(sample.value)).toBe(true);
  checkSample(macmonSampleFromExposition(text));
}

function checkPipe(text: string): void {
  let sample: MacmonSample;
  try {
    sample = parseMacmonPipeJson(text);
  } catch (error) {
    expectReasonedError(error);
    return;
  }
  checkSample(sample);
}

const prom = () => readFileSync(sharedFixturePath('macos', 'macmon-serve-metrics-m3pro.prom'), 'utf8');

describeWithFixtures('macmon serve parser properties on the real /metrics example', () => {
  it('any prefix of the output parses without NaN, Infinity or a throw', () => {
    const text = prom();
    fc.assert(
      fc.property(fc.nat(text.length), (cut) => checkExposition(text.slice(0, cut))),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash it', () => {
    const text = prom();
    fc.assert(
      fc.property(edits, (list) => checkExposition(mutate(text, list))),
      RUNS,
    );
  });

  it('the untouched output gives temperatures in −50..150 °C and non-negative watts', () => {
    const sample = macmonSampleFromExposition(prom());
    expect(sample.cpuTempCelsius).toBeGreaterThan(-50);
    expect(sample.cpuTempCelsius).toBeLessThanOrEqual(150);
    checkSample(sample);
  });
});

it('any prefix or garbling of a macmon pipe line is a sample or an Error with a message', () => {
  fc.assert(
    fc.property(fc.nat(MACMON_PIPE_LINE.length), edits, (cut, list) => {
      checkPipe(MACMON_PIPE_LINE.slice(0, cut));
      checkPipe(mutate(MACMON_PIPE_LINE, list));
    }),
    RUNS,
  );
});

it('arbitrary text and arbitrary JSON never crash the macmon readers', () => {
  fc.assert(
    fc.property(anyText, fc.jsonValue(), (text, json) => {
      checkExposition(text);
      checkPipe(text);
      checkPipe(JSON.stringify(json));
    }),
    RUNS,
  );
});

it('a pipe line with odd field values keeps only sane readings', () => {
  const odd = fc.oneof(
    fc.jsonValue(),
    fc.double(),
    fc.constantFrom(-1, 0, 150.0001, Number.MAX_VALUE, '47', null),
  );
  fc.assert(
    fc.property(
      odd,
      odd,
      fc.array(fc.record({ name: odd, rpm: odd }), { maxLength: 3 }),
      (temp, power, fans) => {
        checkPipe(
          JSON.stringify({
            temp: { cpu_temp_avg: temp, gpu_temp_avg: power },
            fans,
            cpu_power: power,
            soc: temp,
          }),
        );
      },
    ),
    RUNS,
  );
});

it('a metric line with a number of any length is skipped or finite', () => {
  fc.assert(
    fc.property(digitRun(), fc.constantFrom('', '.5', 'e5', 'e999'), (digits, tail) => {
      checkExposition(
        `macmon_cpu_temp_celsius{chip="Apple M3 Pro"} ${digits}${tail}\nmacmon_fan_speed_rpm{fan="0"} ${digits}${tail}\n`,
      );
    }),
    RUNS,
  );
});
