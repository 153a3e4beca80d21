import type { Logger } from './types.ts';

/**
 * A sampler's context log that warns once per problem, not once per round: a source that keeps
 * failing would otherwise write the same warning every few seconds for as long as it stays broken
 * (the "one warning — never a log flood"). A warning whose message and bindings (as JSON)
 * equal one of the last few warnings that went out is written at debug instead, with `repeats`
 * added; a different message or bindings (a changed reason) warns again. debug, info and error
 * pass through untouched.
 *
 * "The last few", not only the last one: a sampler that warns about two sources each round (A, B,
 * A, B…) would otherwise never repeat the previous warning and flood just the same. `remember`
 * bounds that memory; the oldest is forgotten first, so a problem that comes back after many
 * others warns again. `reset()` forgets everything, for a caller that knows the sampler recovered.
 * Bindings that change every time (a duration, a timestamp) make every warning new, so keep them
 * out of warnings.
 */

export interface QuietLogger extends Logger {
  /** Forget the warnings seen so far: the next one of each kind warns again. */
  reset(): void;
}

export interface QuietLoggerOptions {
  /** How many distinct recent warnings are remembered (default 8). */
  remember?: number;
}

export function createQuietLogger(log: Logger, options: QuietLoggerOptions = {}): QuietLogger {
  const remember = Math.max(1, options.remember ?? 8);
  /** warning key → times it was seen, in the order they were last seen (oldest first). */
  const recent = new Map<string, number>();

  return {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => log.info(obj, msg),
    error: (obj, msg) => log.error(obj, msg),
    warn(obj, msg) {
      const key = warningKey(obj, msg);
      if (key === null) {
        log.warn(obj, msg);
        return;
      }
      const seen = recent.get(key);
      recent.delete(key);
      recent.set(key, (seen ?? 0) + 1);
      if (recent.size > remember) {
        const oldest = recent.keys().next().value;
        if (oldest !== undefined) {
          recent.delete(oldest);
        }
      }
      if (seen === undefined) {
        log.warn(obj, msg);
      } else {
        log.debug({ ...obj, repeats: seen }, msg);
      }
    },
    reset: () => recent.clear(),
  };
}

/** null when the bindings cannot be serialised (a cycle, a BigInt): such a warning always goes out. */
function warningKey(obj: object, msg: string | undefined): string | null {
  try {
    return JSON.stringify([msg ?? null, obj]);
  } catch {
    return null;
  }
}
