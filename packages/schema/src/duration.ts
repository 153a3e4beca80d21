/** Durations in config and flags: `250ms`, `10s`, `5m`, `1h`, `7d`, or a bare number of seconds. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) {
    throw new RangeError(`"${text}" is not a duration (examples: 500ms, 10s, 5m, 1h, 7d)`);
  }
  const amount = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(amount * (UNIT_MS[unit] ?? 1000));
}

/** Byte sizes: `64MiB`, `512KiB`, `1GiB`, `100MB`, or a bare number of bytes. */
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

export function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?\s*$/.exec(text);
  const unit = (match?.[2] ?? 'b').toLowerCase();
  // Own keys only: "64constructor" must be an error, not Object.prototype.constructor.
  const factor = Object.hasOwn(SIZE_UNITS, unit) ? SIZE_UNITS[unit] : undefined;
  if (!match || factor === undefined) {
    throw new RangeError(`"${text}" is not a size (examples: 512KiB, 64MiB, 1GiB)`);
  }
  return Math.round(Number(match[1]) * factor);
}
