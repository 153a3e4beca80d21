import { basename } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { digitRun, garble, mutate, RUNS, SYSFS_NASTY, sysfsFiles } from '../../test-support/garble.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../test-support/ttar.ts';
import {
  chipBaseId,
  cleanChipPart,
  disambiguateChipIds,
  parseSensorFilename,
  parseSysfsInteger,
} from './parse.ts';

/**
 * Properties of the hwmon naming and value rules on cut-off and garbled sysfs files: nothing
 * throws, a value is a safe integer or no reading, and ids stay in node_exporter's character set.
 */

const { anyText, edits } = garble(SYSFS_NASTY);

function checkInteger(text: string | null): void {
  const value = parseSysfsInteger(text);
  expect(value === null || Number.isSafeInteger(value)).toBe(true);
}

function checkFilename(name: string): void {
  for (const type of ['temp', 'fan', 'in', 'power']) {
    const parsed = parseSensorFilename(name, type);
    if (parsed !== null) {
      expect(parsed.sensor).toMatch(new RegExp(`^${type}\\d+$`));
      expect(parsed.property).toMatch(/^[a-z_]+$/);
    }
  }
}

function checkChip(devicePath: string | null, nameFile: string | null, realDir: string): void {
  const id = chipBaseId({ devicePath, nameFile, realDir });
  expect(id === null || /^[a-z0-9:_]+$/.test(id)).toBe(true);
  const clean = cleanChipPart(nameFile ?? '');
  expect(clean).toMatch(/^(?:[a-z0-9:]|[a-z0-9:][a-z0-9:_]*[a-z0-9:])?$/);
  if (id !== null) {
    const ids = disambiguateChipIds([
      { baseId: id, nameFile: nameFile ?? '', className: basename(realDir) },
      { baseId: id, nameFile: nameFile ?? '', className: 'hwmon9' },
    ]);
    expect(ids).toHaveLength(2);
    for (const one of ids) expect(one.startsWith(id)).toBe(true);
  }
}

describeWithFixtures('hwmon rule properties on the node_exporter sysfs fixture', () => {
  let tree: UnpackedTtar;
  let files: Array<{ path: string; content: string }>;
  beforeAll(() => {
    tree = unpackTtarFiles(sharedFixturePath('linux', 'node_exporter-sys-hwmon.ttar'));
    files = sysfsFiles(tree.root);
  });
  afterAll(() => tree.remove());

  it('any prefix of a real sysfs file or path is a safe integer, a name, or nothing', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (which, cut) => {
        const { path, content } = files[which % files.length] ?? { path: '', content: '' };
        checkInteger(content.slice(0, cut % (content.length + 1)));
        const name = basename(path);
        checkFilename(name.slice(0, cut % (name.length + 1)));
        checkChip(path.slice(0, cut % (path.length + 1)), content.slice(0, cut % (content.length + 1)), path);
      }),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash the rules', () => {
    fc.assert(
      fc.property(fc.nat(), edits, (which, list) => {
        const { path, content } = files[which % files.length] ?? { path: '', content: '' };
        checkInteger(mutate(content, list));
        checkFilename(mutate(basename(path), list));
        checkChip(mutate(path, list), mutate(content, list), mutate(path, list));
      }),
      RUNS,
    );
  });

  it('every untouched *_input file is an integer', () => {
    const inputs = files.filter(({ path }) =>
      /^(temp|fan|in|curr|power|freq)\d+_input$/.test(basename(path)),
    );
    expect(inputs.length).toBeGreaterThan(0);
    for (const { content } of inputs) expect(parseSysfsInteger(content)).not.toBeNull();
  });
});

it('arbitrary text and numbers of any length never crash the hwmon rules', () => {
  fc.assert(
    fc.property(anyText, digitRun({ signed: true }), fc.option(anyText), (text, digits, maybe) => {
      checkInteger(text);
      checkInteger(digits);
      checkInteger(maybe);
      checkFilename(text);
      checkChip(maybe, text, text);
    }),
    RUNS,
  );
});
