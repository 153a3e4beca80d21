import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nanosToMs } from './otlp-values.ts';

describe('nanosToMs', () => {
  it('is exact for every whole millisecond, from JSON strings and from protobuf doubles', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4_102_444_800_000 }),
        fc.integer({ min: 0, max: 999_999 }),
        (ms, sub) => {
          const nanos = BigInt(ms) * 1_000_000n + BigInt(sub);
          expect(nanosToMs(`${nanos}`, 'p')).toBe(ms);
          if (sub === 0) expect(nanosToMs(Number(nanos), 'p')).toBe(ms);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('reads the case that used to lose a millisecond (…130 ms as a double is …129.999872)', () => {
    expect(nanosToMs('1795422303130000000', 'p')).toBe(1_795_422_303_130);
    expect(nanosToMs(1795422303130000000, 'p')).toBe(1_795_422_303_130);
  });

  it('treats 0 and absent as unspecified, and refuses what is not unsigned nanoseconds', () => {
    for (const unspecified of [0, '0', '', undefined, null]) expect(nanosToMs(unspecified, 'p')).toBeNull();
    expect(nanosToMs('999', 'p')).toBe(0);
    for (const bad of [-1, 'abc', '1.5', Number.NaN, {}]) expect(() => nanosToMs(bad, 't')).toThrow(/^t: /);
  });
});
