// Shared fast-check generators for the "real output cut off or garbled" properties of the samplers'
// parsers: every *.property.test.ts cuts a real capture short, garbles a few characters of it, or feeds
// arbitrary text and over-long numbers, and these are the one copy of how it does so.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';

/** Run count of every garbling property (the slow or deep ones set their own). */
export const RUNS = { numRuns: 200 };

/** Characters that break naive parsers in any format: NUL, replacement char, non-ASCII, emoji, a lone surrogate, newline. */
export const NASTY_UNICODE = ['\0', '\uFFFD', 'é', '😀', '\uD800', '\n'] as const;

/** Nasty characters for one-number-per-file sysfs attributes (signs, decimal points, path parts). */
export const SYSFS_NASTY: readonly string[] = [
  ...NASTY_UNICODE,
  '\r',
  '\t',
  ' ',
  '-',
  '+',
  '.',
  'e',
  '9',
  '0',
  '_',
  '/',
  ':',
];

/** Nasty characters for markup and structured text (plist XML, JSON, Prometheus exposition, pmset). */
export const MARKUP_NASTY: readonly string[] = [
  ...NASTY_UNICODE,
  '\r\n',
  '\t',
  ' ',
  ',',
  '"',
  '<',
  '>',
  '/',
  '{',
  '}',
  '[',
  ']',
  ':',
  '=',
  '-',
  '.',
  'e',
  '9',
  '&',
  ';',
  '#',
];

/** One character-level edit of a real output: `text` replaces or is inserted at `at`, or `at` is deleted. */
export type Edit = { kind: 'replace' | 'insert' | 'delete'; at: number; text: string };

export type Garble = {
  /** One to four characters: a nasty one or any binary string. */
  junk: fc.Arbitrary<string>;
  /** Any text: unicode, binary, or made only of nasty characters. */
  anyText: fc.Arbitrary<string>;
  /** One to five edits with junk, for `mutate`. */
  edits: fc.Arbitrary<Edit[]>;
};

/** The junk, arbitrary-text and edit generators built on one format's nasty characters. */
export function garble(nasty: readonly string[]): Garble {
  const junk = fc.oneof(fc.constantFrom(...nasty), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }));
  const anyText = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom(...nasty) }),
  );
  const edits = fc.array(
    fc.record({
      kind: fc.constantFrom<Edit['kind']>('replace', 'insert', 'delete'),
      at: fc.nat(),
      text: junk,
    }),
    { minLength: 1, maxLength: 5 },
  );
  return { junk, anyText, edits };
}

/** `base` with the edits applied in turn; positions wrap around the current length. */
export function mutate(base: string, list: readonly Edit[]): string {
  let text = base;
  for (const { kind, at, text: piece } of list) {
    const i = at % (text.length + 1);
    const cut = kind === 'insert' ? i : Math.min(text.length, i + 1 + (at % 3));
    text = text.slice(0, i) + (kind === 'delete' ? '' : piece) + text.slice(cut);
  }
  return text;
}

/** A string of decimal digits, `minLength` to `maxLength` long. */
export const digits = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

/**
 * Digit runs up to 400 long (a short pattern repeated), with a leading `-` half the time when
 * `signed`: 10^309 is already Infinity as a double.
 */
export function digitRun({ signed = false }: { signed?: boolean } = {}): fc.Arbitrary<string> {
  const run = (pattern: string, length: number) =>
    pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length);
  const length = fc.integer({ min: 1, max: 400 });
  if (!signed) return fc.tuple(digits(1, 8), length).map(([pattern, n]) => run(pattern, n));
  return fc
    .tuple(fc.boolean(), digits(1, 8), length)
    .map(([minus, pattern, n]) => `${minus ? '-' : ''}${run(pattern, n)}`);
}

/** Every number in a parsed value is finite (bigints are exact 64-bit counters and fine). */
export function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value instanceof Map) return [...value.values()].every(allFinite);
  if (Array.isArray(value)) return value.every(allFinite);
  if (typeof value === 'object' && value !== null) return Object.values(value).every(allFinite);
  return true;
}

/** A parser's own failure: an Error with a message, never a TypeError or RangeError from a bug. */
export function expectReasonedError(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(TypeError);
  expect(error).not.toBeInstanceOf(RangeError);
  expect((error as Error).message).not.toBe('');
}

/** Path → content of every regular file of an unpacked sysfs tree; links are not followed (they loop). */
export function sysfsFiles(root: string, dir = root): Array<{ path: string; content: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sysfsFiles(root, path);
    return entry.isFile() ? [{ path: relative(root, path), content: readFileSync(path, 'utf8') }] : [];
  });
}
