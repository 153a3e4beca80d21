import { CheckParseError, type RawRead, type UnavailableRead } from '../check.ts';

/** Narrowing helpers for parsers: each throws CheckParseError naming what it got instead. */

type Of<K extends RawRead['kind']> = Extract<RawRead, { kind: K }>;

export function expectKind<K extends RawRead['kind']>(raw: RawRead | UnavailableRead, kind: K): Of<K> {
  if (raw.kind !== kind) {
    throw new CheckParseError(`expected a ${kind} read, got ${raw.kind}`);
  }
  return raw as Of<K>;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

/** stdout of a command that must have exited with one of `okExitCodes` (default 0). */
export function stdoutOf(raw: RawRead | UnavailableRead, okExitCodes: readonly number[] = [0]): string {
  const read = expectKind(raw, 'command');
  if (!okExitCodes.includes(read.exitCode)) {
    const why = firstLine(read.stderr);
    throw new CheckParseError(`exited with ${read.exitCode}${why ? `: ${why}` : ''}`);
  }
  return read.stdout;
}

/** The first capture group of `pattern` in `text`, or a CheckParseError quoting the start of the text. */
export function matchOrThrow(text: string, pattern: RegExp, what: string): string {
  const found = pattern.exec(text)?.[1];
  if (found === undefined) {
    const sample = firstLine(text).slice(0, 80);
    throw new CheckParseError(`no ${what} in output${sample ? ` (starts "${sample}")` : ' (empty)'}`);
  }
  return found;
}

/**
 * `defaults read <domain> <key>`: the value, or null when the key or domain does not exist
 * (exit 1, "The domain/default pair of (…) does not exist" on stderr).
 */
export function defaultsValue(raw: RawRead | UnavailableRead): string | null {
  const read = expectKind(raw, 'command');
  if (read.exitCode === 0) return read.stdout.trim();
  if (/does not exist/i.test(read.stderr)) return null;
  throw new CheckParseError(`defaults exited with ${read.exitCode}: ${firstLine(read.stderr)}`);
}

/** `defaults` prints booleans as 1/0. */
export function onOffUnset(value: string | null): string {
  if (value === null) return 'unset';
  if (value === '1' || value.toLowerCase() === 'true') return 'on';
  if (value === '0' || value.toLowerCase() === 'false') return 'off';
  throw new CheckParseError(`expected 1 or 0, got "${value.slice(0, 40)}"`);
}

/**
 * `systemctl is-active|is-enabled <unit>`: the state word, `inactive` for a non-zero exit with a
 * quiet stderr (the runner keeps no stdout on failure), or null when systemctl could not answer
 * (no systemd as PID 1, no bus, unknown unit).
 */
export function systemctlState(raw: RawRead | UnavailableRead): string | null {
  if (raw.kind !== 'command') return null;
  if (raw.exitCode === 0) return raw.stdout.trim();
  return raw.stderr.trim() === '' ? 'inactive' : null;
}

/**
 * `systemctl is-active <unit>…`: a state word per unit, in order. Exit 0 means at least one is
 * active and stdout has every unit's line; a non-zero exit with a quiet stderr means none is
 * (all `inactive`); null when systemctl could not answer.
 */
export function systemctlStates(raw: RawRead | UnavailableRead, units: number): string[] | null {
  if (raw.kind !== 'command') return null;
  if (raw.exitCode !== 0) return raw.stderr.trim() === '' ? new Array<string>(units).fill('inactive') : null;
  const states = raw.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim());
  if (states.length !== units) {
    throw new CheckParseError(`systemctl printed ${states.length} states for ${units} units`);
  }
  return states;
}

export function describeUnavailable(parts: Record<string, RawRead | UnavailableRead>): string {
  return Object.entries(parts)
    .map(([name, part]) => {
      if (part.kind === 'unavailable') return `${name}: ${part.reason}`;
      if (part.kind === 'command') return `${name}: ${firstLine(part.stderr) || `exit ${part.exitCode}`}`;
      return `${name}: absent`;
    })
    .join('; ');
}
