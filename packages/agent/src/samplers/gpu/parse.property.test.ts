import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { digitRun, digits, garble, mutate, NASTY_UNICODE, RUNS } from '../../test-support/garble.ts';
import { NVIDIA_QUERY_FIELDS, nvidiaGpuStats, parseNvidiaNumber, parseNvidiaSmiCsv } from './parse.ts';
import { gpuReadings } from './readings.ts';

/**
 * Properties of the nvidia-smi CSV parser on cut-off and garbled real output: it never throws (a bad
 * line goes to `badLines`, a bad cell is a null reading) and never yields NaN or Infinity.
 */

const NASTY = [...NASTY_UNICODE, '\r\n', '\t', ' ', ',', '"', '[N/A]', '-', '.', '9', '%', ' MiB'];
const { anyText, edits } = garble(NASTY);

/** Every number of one GPU's stats is finite or no reading. */
function expectFiniteStats(stats: ReturnType<typeof nvidiaGpuStats>): void {
  for (const value of [
    stats.utilizationRatio,
    stats.memoryUsedBytes,
    stats.memoryTotalBytes,
    stats.temperatureCelsius,
    stats.powerWatts,
  ]) {
    expect(value === null || Number.isFinite(value)).toBe(true);
  }
}

/** Parses as the sampler does (with our header for the narrow query, else the capture's own) and checks the result. */
function checkParse(text: string, header?: readonly string[]): void {
  const table = parseNvidiaSmiCsv(text, header);
  const lineCount = text.split('\n').length;
  for (const line of table.badLines) {
    expect(Number.isInteger(line) && line >= 1 && line <= lineCount).toBe(true);
  }
  for (const row of table.rows) {
    const stats = nvidiaGpuStats(row);
    expectFiniteStats(stats);
    expect(stats.id).not.toBe('');
    for (const reading of gpuReadings(stats)) {
      expect(Number.isFinite(reading.value)).toBe(true);
    }
  }
}

const CAPTURES = ['nvidia-smi-query-gpu-all-fields-h100.csv', 'nvidia-smi-query-gpu-all-fields-rtx4080s.csv'];
// Other real nvidia-smi output: what the parser sees if the wrong format comes back.
const OTHER_OUTPUT = ['nvidia-smi-table-h100.txt', 'nvidia-smi-dmon-h100.txt'];
const fixture = (name: string) => readFileSync(sharedFixturePath('linux', name), 'utf8');

/** Our narrow `noheader,nounits` query's text for a full capture (same values, our columns). */
function narrow(capture: string): string {
  const [header = '', row = ''] = capture.split('\n');
  const names = header.split(', ').map((name) => name.replace(/ \[.*\]$/, ''));
  const values = row.split(', ');
  return `${NVIDIA_QUERY_FIELDS.map((field) => values[names.indexOf(field)]?.replace(/ (%|MiB|W)$/, '')).join(', ')}\n`;
}

describeWithFixtures('nvidia-smi CSV parser properties on real captures', () => {
  const texts = () => [...CAPTURES, ...OTHER_OUTPUT].map(fixture);

  it('any prefix of a real output parses without NaN, Infinity or a throw', () => {
    const all = texts();
    const narrowed = CAPTURES.map((name) => narrow(fixture(name)));
    fc.assert(
      fc.property(fc.nat(all.length - 1), fc.nat(), (which, cut) => {
        const text = all[which] ?? '';
        checkParse(text.slice(0, cut % (text.length + 1)));
        const short = narrowed[which % narrowed.length] ?? '';
        checkParse(short.slice(0, cut % (short.length + 1)), NVIDIA_QUERY_FIELDS);
      }),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash it', () => {
    const all = texts();
    const narrowed = CAPTURES.map((name) => narrow(fixture(name)));
    fc.assert(
      fc.property(fc.nat(all.length - 1), edits, (which, list) => {
        checkParse(mutate(all[which] ?? '', list));
        checkParse(mutate(narrowed[which % narrowed.length] ?? '', list), NVIDIA_QUERY_FIELDS);
      }),
      RUNS,
    );
  });

  it('the untouched captures give physically possible readings', () => {
    for (const name of CAPTURES) {
      for (const text of [fixture(name)]) {
        const table = parseNvidiaSmiCsv(text);
        expect(table.rows.length).toBeGreaterThan(0);
        for (const stats of table.rows.map(nvidiaGpuStats)) {
          expect(stats.utilizationRatio).toBeGreaterThanOrEqual(0);
          expect(stats.utilizationRatio).toBeLessThanOrEqual(1);
          expect(stats.temperatureCelsius).toBeGreaterThanOrEqual(-50);
          expect(stats.temperatureCelsius).toBeLessThanOrEqual(150);
          expect(stats.powerWatts).toBeGreaterThanOrEqual(0);
          expect(stats.memoryUsedBytes).toBeLessThanOrEqual(stats.memoryTotalBytes ?? -1);
        }
      }
      const short = parseNvidiaSmiCsv(narrow(fixture(name)), NVIDIA_QUERY_FIELDS);
      expect(short.badLines).toEqual([]);
      expect(short.rows.map(nvidiaGpuStats)).toEqual(
        parseNvidiaSmiCsv(fixture(name)).rows.map(nvidiaGpuStats),
      );
    }
  });
});

it('arbitrary text never crashes the nvidia-smi CSV parser', () => {
  fc.assert(
    fc.property(anyText, fc.boolean(), (text, narrowQuery) => {
      checkParse(text, narrowQuery ? NVIDIA_QUERY_FIELDS : undefined);
    }),
    RUNS,
  );
});

/** Digits repeated up to 400 long: a garbled cell can be any length, and 10^309 is Infinity. */
const longNumber = fc
  .tuple(
    digitRun({ signed: true }),
    fc.option(digits(1, 4)),
    fc.constantFrom('', ' MiB', ' W', ' %', ' C', 'MiB'),
  )
  .map(([whole, fraction, unit]) => `${whole}${fraction === null ? '' : `.${fraction}`}${unit}`);

it('numeric cells of any length give a finite number or no reading', () => {
  fc.assert(
    fc.property(longNumber, (cell) => {
      const plain = parseNvidiaNumber(cell, ['MiB', 'W', '%', 'C']);
      expect(plain === null || Number.isFinite(plain)).toBe(true);
      const row = new Map(NVIDIA_QUERY_FIELDS.map((field) => [field as string, cell]));
      const stats = nvidiaGpuStats(row);
      expectFiniteStats(stats);
    }),
    RUNS,
  );
});
