import { describe, expect, it } from 'vitest';
import { parseByteSize, parseDurationMs } from './duration.ts';

describe('parseDurationMs', () => {
  it('reads units and bare seconds', () => {
    expect(['250ms', '10s', '5m', '1h', '7d', '30', '1.5s'].map(parseDurationMs)).toEqual([
      250, 10_000, 300_000, 3_600_000, 604_800_000, 30_000, 1_500,
    ]);
  });

  it('names the bad text and gives examples', () => {
    expect(() => parseDurationMs('10 parsecs')).toThrow(/"10 parsecs" is not a duration \(examples/);
    expect(() => parseDurationMs('-5s')).toThrow(RangeError);
  });
});

describe('parseByteSize', () => {
  it('reads binary and decimal units, any case', () => {
    expect(['512KiB', '64MiB', '1gib', '100MB', '4096', '2kb'].map(parseByteSize)).toEqual([
      524_288, 67_108_864, 1_073_741_824, 100_000_000, 4096, 2000,
    ]);
  });

  it('rejects unknown units, including names of Object.prototype members', () => {
    for (const text of ['64MB/s', '1constructor', '1toString', '1__proto__', 'lots']) {
      expect(() => parseByteSize(text), text).toThrow(/is not a size/);
    }
  });
});
