/**
 * What the no-root readers (macmon, mactop) print, checked once: both average SMC keys only in
 * 0 < t ≤ 150 °C and write 0 when none was read, so 0 °C is "not read", never a temperature; watts
 * and ratios are numbers or nothing, never NaN.
 */
export const readerTemperature = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 150 ? value : null;

export const nonNegative = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;

export const ratio = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : null;
