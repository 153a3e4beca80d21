import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';

/**
 * One merge for every program: command-line flag ?? environment (`PERIMETER_<FLAG>`) ?? config
 * file ?? schema default. Flags and env only set top-level scalar keys; nested keys come from the
 * file. Validation errors name the key path (`collector.listen: …`) so an operator can fix them.
 */
export interface ConfigSources {
  /** Path of a YAML file, when one was given. */
  file?: string | undefined;
  /** Top-level keys from flags, already camelCased (`dataDir`). Undefined values are ignored. */
  flags?: Record<string, string | boolean | undefined>;
  env?: NodeJS.ProcessEnv;
}

export function envNameFor(key: string): string {
  return `PERIMETER_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export function loadConfig<S extends z.ZodType>(
  schema: S,
  keys: readonly string[],
  sources: ConfigSources,
): z.output<S> {
  const fromFile = sources.file ? readYamlFile(sources.file) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of keys) {
    const fromEnv = sources.env?.[envNameFor(key)];
    if (fromEnv !== undefined && fromEnv !== '') {
      merged[key] = fromEnv;
    }
    const fromFlag = sources.flags?.[key];
    if (fromFlag !== undefined) {
      merged[key] = fromFlag;
    }
  }
  return validateConfig(schema, merged, sources.file ?? 'config');
}

export function validateConfig<S extends z.ZodType>(schema: S, input: unknown, origin: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  const first = result.error.issues[0];
  const path = first && first.path.length > 0 ? first.path.join('.') : '(root)';
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
  throw new ConfigError(`${origin}: ${path}`, `${first?.message ?? 'invalid'}${more}`);
}

function readYamlFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      path,
      `cannot read config file (${(error as NodeJS.ErrnoException).code ?? error})`,
      {
        cause: error,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, `not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || parsed === undefined) {
    return {};
  }
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(path, 'expected a mapping of keys at the top level');
  }
  return parsed as Record<string, unknown>;
}
