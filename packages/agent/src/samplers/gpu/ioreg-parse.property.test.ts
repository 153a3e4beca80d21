import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { allFinite, digits, garble, mutate, NASTY_UNICODE, RUNS } from '../../test-support/garble.ts';
import { darwinGpuReadings, darwinGpuStats } from './darwin-stats.ts';
import { parseIoregNodes } from './ioreg-parse.ts';
import { IoregSyntaxError, parseIoregValue } from './ioreg-value.ts';

/**
 * Properties of the ioreg reader on cut-off and garbled real output: parseIoregNodes never throws
 * (a bad line is a `problems` entry), parseIoregValue throws only IoregSyntaxError with a reason,
 * and no number in the tree or in the readings is NaN or Infinity.
 */

const NASTY = [...NASTY_UNICODE, '\r', '\t', ' ', ...',"<>{}()=-.e9|', '+-o '];
const { anyText, edits } = garble(NASTY);

function checkNodes(text: string): void {
  const nodes = parseIoregNodes(text);
  nodes.forEach((node, index) => {
    expect(allFinite(node.properties)).toBe(true);
    for (const problem of node.problems) expect(problem).toMatch(/^line \d+: .+/);
    const stats = darwinGpuStats(node, index);
    if (stats === null) return;
    for (const ratio of [stats.device, stats.renderer, stats.tiler]) {
      expect(ratio === null || (ratio >= 0 && ratio <= 1)).toBe(true);
    }
    const memory = stats.memoryInUseBytes;
    expect(memory === null || (Number.isSafeInteger(memory) && memory >= 0)).toBe(true);
    for (const reading of darwinGpuReadings(stats)) expect(Number.isFinite(reading.value)).toBe(true);
  });
}

/** A value, or an IoregSyntaxError that says why: nothing else may escape. */
function checkValue(text: string): void {
  let value: unknown;
  try {
    value = parseIoregValue(text);
  } catch (error) {
    expect(error).toBeInstanceOf(IoregSyntaxError);
    expect((error as Error).message).not.toBe('');
    return;
  }
  expect(allFinite(value)).toBe(true);
}

const m4 = () => readFileSync(sharedFixturePath('macos', 'ioreg-IOAccelerator-m4.txt'), 'utf8');
/** The value text of every `"key" = value` line of the capture. */
const valueTexts = (text: string) =>
  text.split('\n').flatMap((line) => /^[\s|]*"[^"]*" = (.*)$/.exec(line)?.slice(1, 2) ?? []);

describeWithFixtures('ioreg parser properties on the real M4 capture', () => {
  it('any prefix of the capture parses without NaN, Infinity or a throw', () => {
    const text = m4();
    fc.assert(
      fc.property(fc.nat(text.length), (cut) => checkNodes(text.slice(0, cut))),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash it', () => {
    const text = m4();
    fc.assert(
      fc.property(edits, (list) => checkNodes(mutate(text, list))),
      RUNS,
    );
  });

  it('a cut-off or garbled property value parses or throws IoregSyntaxError', () => {
    const values = valueTexts(m4());
    expect(values.length).toBeGreaterThan(10);
    fc.assert(
      fc.property(fc.constantFrom(...values), fc.nat(), edits, (value, cut, list) => {
        checkValue(value.slice(0, cut % (value.length + 1)));
        checkValue(mutate(value, list));
      }),
      RUNS,
    );
  });

  it('the untouched capture gives utilisation in 0..1 and a non-negative memory figure', () => {
    const stats = parseIoregNodes(m4()).flatMap((node, i) => darwinGpuStats(node, i) ?? []);
    expect(stats.length).toBeGreaterThan(0);
    for (const gpu of stats) {
      for (const ratio of [gpu.device, gpu.renderer, gpu.tiler]) {
        expect(ratio).toBeGreaterThanOrEqual(0);
        expect(ratio).toBeLessThanOrEqual(1);
      }
      expect(gpu.memoryInUseBytes).toBeGreaterThanOrEqual(0);
    }
  });
});

it('arbitrary text never crashes the ioreg parsers', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      checkNodes(text);
      checkNodes(
        `+-o AGX  <class AGXAccelerator, id 0x1>\n  {\n    "PerformanceStatistics" = ${text}\n  }\n`,
      );
      checkValue(text);
    }),
    RUNS,
  );
});

/** Numbers as ioreg writes them, with digit runs and exponents far outside a double's range. */
const numberWord = fc
  .tuple(
    fc.boolean(),
    digits(1, 400),
    fc.option(digits(1, 6)),
    fc.option(
      fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 9999 })),
    ),
  )
  .map(
    ([minus, whole, fraction, exponent]) =>
      `${minus ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`,
  );

it('a number of any size or exponent is finite, an exact bigint, or a syntax error', () => {
  fc.assert(
    fc.property(numberWord, (word) => {
      checkValue(word);
      checkValue(`{"Device Utilization %"=${word},"In use system memory"=${word}}`);
      checkNodes(
        `+-o AGX  <class AGXAccelerator, id 0x1>\n    "PerformanceStatistics" = {"Device Utilization %"=${word},"In use system memory"=${word}}\n`,
      );
    }),
    RUNS,
  );
});

it('deep nesting is a syntax error, not a stack overflow', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('(', '{"k"='), (depth, open) => {
      checkValue(open.repeat(depth));
    }),
    { numRuns: 50 },
  );
});
