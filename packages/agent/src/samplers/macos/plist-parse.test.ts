import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { isPlistDict, parseLastPlist, parsePlist } from './plist-parse.ts';

const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');

describeWithFixtures('parsePlist on the powermetrics fixtures', () => {
  it('reads the thermal sample whole', () => {
    expect(parsePlist(fixture('powermetrics-thermal-mac16_6.plist'))).toEqual({
      is_delta: true,
      elapsed_ns: 1017304750,
      hw_model: 'Mac16,6',
      thermal_pressure: 'Nominal',
    });
  });

  it('reads nested dicts and reals', () => {
    const sample = parsePlist(fixture('powermetrics-soc-power.plist'));
    expect(sample).toEqual({
      is_delta: true,
      elapsed_ns: 3017304750,
      processor: { cpu_power: 9924.35, gpu_power: 169.958, ane_power: 0, combined_power: 10094.3 },
      gpu: { idle_ratio: 0.901357 },
    });
  });

  it('reads the 521 KB default sample, arrays and dates included', () => {
    const sample = parseLastPlist(fixture('powermetrics-default-mac15_9.plist'));
    expect(isPlistDict(sample)).toBe(true);
    if (!isPlistDict(sample)) return;
    expect(sample.hw_model).toBe('Mac15,9');
    expect(sample.kern_osversion).toBe('24E263');
    expect(Array.isArray(sample.tasks)).toBe(true);
    expect(typeof sample.timestamp).toBe('string');
  });
});

describe('parsePlist edge cases', () => {
  const wrap = (body: string) => `<?xml version="1.0"?>\n<plist version="1.0">${body}</plist>`;

  it('decodes entities, empty elements and false', () => {
    expect(
      parsePlist(
        wrap(
          '<dict><key>a&amp;b</key><string>&lt;x&gt;</string><key>e</key><array/><key>f</key><false/></dict>',
        ),
      ),
    ).toEqual({ 'a&b': '<x>', e: [], f: false });
  });

  it('throws a clear error on truncated or garbled input, never a partial value', () => {
    expect(() => parsePlist(wrap('<dict><key>a</key><integer>1</integer>'))).toThrow(
      /expected <key>|ends early/,
    );
    expect(() => parsePlist('<plist><dict><key>a</key><integer>12x</integer></dict></plist>')).toThrow(
      /not a number/,
    );
    expect(() => parsePlist('<plist><weird/></plist>')).toThrow(/unsupported element <weird>/);
    expect(() => parsePlist('not xml')).toThrow();
  });

  it('takes the last complete document of a NUL-separated stream and skips a cut-off one', () => {
    const one = wrap('<dict><key>n</key><integer>1</integer></dict>');
    const two = wrap('<dict><key>n</key><integer>2</integer></dict>');
    expect(parseLastPlist(`${one}\0${two}\0`)).toEqual({ n: 2 });
    expect(parseLastPlist(`${one}\0${two.slice(0, 60)}`)).toEqual({ n: 1 });
    expect(() => parseLastPlist('')).toThrow(/no <plist>/);
  });
});
