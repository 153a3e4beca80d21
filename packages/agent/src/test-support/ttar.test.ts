import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from './fixtures.ts';
import { type UnpackedTtar, unpackTtarFiles, unpackTtarText } from './ttar.ts';

const DIV = '# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -';
const archive = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('unpackTtarText', () => {
  let unpacked: UnpackedTtar | undefined;
  afterEach(() => unpacked?.remove());

  it('creates directories, files with their content and mode, and relative symlinks', () => {
    unpacked = unpackTtarText(
      archive(
        DIV,
        'Directory: sys/devices/platform/coretemp.0',
        'Mode: 755',
        DIV,
        'Path: sys/devices/platform/coretemp.0/temp1_input',
        'Lines: 1',
        '55000',
        'Mode: 444',
        DIV,
        'Path: sys/class/hwmon/hwmon0',
        'SymlinkTo: ../../devices/platform/coretemp.0',
        DIV,
      ),
    );
    const file = join(unpacked.root, 'sys/devices/platform/coretemp.0/temp1_input');
    expect(readFileSync(file, 'utf8')).toBe('55000\n');
    expect(statSync(file).mode & 0o777).toBe(0o444);
    const link = join(unpacked.root, 'sys/class/hwmon/hwmon0');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('../../devices/platform/coretemp.0');
    expect(readFileSync(join(link, 'temp1_input'), 'utf8')).toBe('55000\n');
  });

  it('takes content lines verbatim even when they look like keywords', () => {
    unpacked = unpackTtarText(archive('Path: a', 'Lines: 2', 'Mode: 444', 'Path: b', 'Mode: 644'));
    expect(readFileSync(join(unpacked.root, 'a'), 'utf8')).toBe('Mode: 444\nPath: b\n');
    expect(readdirSync(unpacked.root)).toEqual(['a']);
  });

  it('writes an empty file for Lines: 0', () => {
    unpacked = unpackTtarText(archive('Path: sys/uevent', 'Lines: 0', 'Mode: 644'));
    expect(readFileSync(join(unpacked.root, 'sys/uevent'), 'utf8')).toBe('');
  });

  it('decodes the NULLBYTE and EOF markers and their escaped literals', () => {
    unpacked = unpackTtarText(
      archive(
        'Path: nul',
        'Lines: 1',
        'aNULLBYTEbNULLBYTE',
        'Path: no-newline',
        'Lines: 2',
        'first',
        'lastEOF',
        'Path: literals',
        'Lines: 1',
        'x\\NULLBYTE y\\EOF',
      ),
    );
    expect(readFileSync(join(unpacked.root, 'nul'), 'utf8')).toBe('a\0b\0\n');
    expect(readFileSync(join(unpacked.root, 'no-newline'), 'utf8')).toBe('first\nlast');
    expect(readFileSync(join(unpacked.root, 'literals'), 'utf8')).toBe('xNULLBYTE yEOF\n');
  });

  it('refuses paths that would leave the temp dir', () => {
    expect(() => unpackTtarText(archive('Path: ../escape', 'Lines: 0'))).toThrow(/leaves the archive root/);
    expect(() => unpackTtarText(archive('Directory: /etc'))).toThrow(/leaves the archive root/);
  });

  it('names the line of an unknown keyword and of a truncated file', () => {
    expect(() => unpackTtarText(archive('Bogus: x'), 'inline.ttar')).toThrow(
      'inline.ttar:1: unknown ttar line',
    );
    expect(() => unpackTtarText(archive('Path: a', 'Lines: 3', 'one'), 'inline.ttar')).toThrow(
      'inline.ttar:2: bad line count',
    );
  });
});

describeWithFixtures('unpackTtarFiles on the node_exporter sys fixtures', () => {
  it('unpacks hwmon and thermal_zone excerpts into one tree with their symlinks', () => {
    const unpacked = unpackTtarFiles(
      sharedFixturePath('linux', 'node_exporter-sys-hwmon.ttar'),
      sharedFixturePath('linux', 'node_exporter-sys-thermal_zone.ttar'),
    );
    try {
      const hwmon = join(unpacked.root, 'sys/class/hwmon');
      expect(readdirSync(hwmon)).toHaveLength(11);
      expect(readFileSync(join(hwmon, 'hwmon0/temp1_label'), 'utf8')).toBe('Physical id 0\n');
      expect(readFileSync(join(hwmon, 'hwmon8/name'), 'utf8')).toBe('mt7996_phy0_0\n');
      expect(readFileSync(join(unpacked.root, 'sys/class/thermal/thermal_zone0/temp'), 'utf8')).toBe(
        '12376\n',
      );
    } finally {
      unpacked.remove();
    }
  });
});
