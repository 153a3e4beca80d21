import type { Expectation } from './check.ts';

/**
 * Comparing an observed value with an expectation, and the one-line text of an expectation that
 * outcomes and `config.drift` events carry. Pure. List-valued observations are JSON arrays of
 * strings (sorted, unique), so they compare and diff as text.
 */

/** A baseline may write `expect: on` (equals), `expect: '>= 26.0'` (version-at-least) or a list (subset-of). */
export type ExpectationInput = Expectation | string | string[];

export function normalizeExpectation(input: ExpectationInput): Expectation {
  if (Array.isArray(input)) return { op: 'subset-of', value: input };
  if (typeof input !== 'string') return input;
  const version = /^>=\s*(\S+)$/.exec(input.trim());
  return version?.[1] ? { op: 'version-at-least', value: version[1] } : { op: 'equals', value: input };
}

export function describeExpectation(expectation: Expectation): string {
  switch (expectation.op) {
    case 'equals':
      return expectation.value;
    case 'one-of':
      return `one of ${expectation.value.join('|')}`;
    case 'version-at-least':
      return `>= ${expectation.value}`;
    case 'subset-of':
      return `subset of ${JSON.stringify(expectation.value)}`;
    case 'empty':
      return 'empty';
  }
}

/** Numeric dotted compare: 26.10 > 26.9, missing parts are 0 (26 == 26.0.0). Null if either is not a version. */
export function compareVersions(a: string, b: string): number | null {
  const parts = (v: string) => (/^\d+(\.\d+)*$/.test(v.trim()) ? v.trim().split('.').map(Number) : null);
  const x = parts(a);
  const y = parts(b);
  if (!x || !y) return null;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

export type Verdict = { pass: true } | { pass: false; why?: string };

export function judge(expectation: Expectation, observed: string): Verdict {
  switch (expectation.op) {
    case 'equals':
      return { pass: observed === expectation.value };
    case 'one-of':
      return { pass: expectation.value.includes(observed) };
    case 'version-at-least': {
      const order = compareVersions(observed, expectation.value);
      if (order === null) return { pass: false, why: `not a comparable version: ${observed}` };
      return { pass: order >= 0 };
    }
    case 'subset-of': {
      const items = parseList(observed);
      if (!items) return { pass: false, why: 'observed value is not a list' };
      const extra = items.filter((item) => !expectation.value.some((p) => globMatches(p, item)));
      return extra.length === 0 ? { pass: true } : { pass: false, why: `not allowed: ${extra.join(', ')}` };
    }
    case 'empty': {
      const items = parseList(observed);
      if (!items) return { pass: false, why: 'observed value is not a list' };
      return { pass: items.length === 0 };
    }
  }
}

export function formatList(items: Iterable<string>): string {
  return JSON.stringify([...new Set(items)].sort());
}

export function parseList(text: string): string[] | null {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}
