/** Errors that a user caused (bad flag, bad config) and should read, not a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'usage';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config';
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.path = path;
  }
}

/** Exit codes every Perimeter command keeps (ARCHITECTURE.md "Command line"). */
export const ExitCodes = { ok: 0, failure: 1, usage: 2, integrityBroken: 3 } as const;
