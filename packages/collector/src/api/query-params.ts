import { HttpError } from '../http/errors.ts';

/**
 * Query-string checking for the read API: an unknown or repeated parameter is a 400 naming it,
 * so a typo (`?chek=`) is reported instead of silently returning the unfiltered answer.
 */
export type QueryRules = Record<string, (value: string) => string | null>;

/** Returns each known parameter's value; the rule returns an error message or null when fine. */
export function readQueryParams(
  queries: Record<string, string[]>,
  rules: QueryRules,
): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const [name, given] of Object.entries(queries)) {
    const rule = rules[name];
    if (rule === undefined) {
      throw invalidParam(name, `unknown query parameter "${name}" (known: ${Object.keys(rules).join(', ')})`);
    }
    if (given.length !== 1) {
      throw invalidParam(name, `query parameter "${name}" may be given once`);
    }
    const value = given[0] as string;
    const problem = rule(value);
    if (problem !== null) {
      throw invalidParam(name, `query parameter "${name}" ${problem}`);
    }
    values[name] = value;
  }
  return values;
}

function invalidParam(name: string, message: string): HttpError {
  return new HttpError(400, message, { code: 'invalid_query', field: name });
}
