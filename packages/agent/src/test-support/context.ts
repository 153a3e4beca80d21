import type { FsRoot } from '../host/fs-root.ts';
import type { Logger, SamplerContext } from '../samplers/types.ts';

/**
 * Builds the sampler seam out of fakes, so tests never stub `Date`, `child_process` or `fs`
 * (STYLE "Inject the world"). Log lines are kept so a test can assert what was reported.
 */

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

export interface RecordingLogger extends Logger {
  readonly entries: LogEntry[];
}

export function createRecordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj, msg });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function createTestContext(fs: FsRoot, overrides: Partial<SamplerContext> = {}): SamplerContext {
  return {
    clock: { nowMs: () => Date.UTC(2026, 0, 1) },
    runCommand: async (argv) => ({ status: 'not-found', command: argv[0] ?? '' }),
    fs,
    log: createRecordingLogger(),
    platform: 'linux',
    ...overrides,
  };
}

/**
 * Wraps a real FsRoot so chosen paths fail the way broken hwmon drivers do (ENXIO, EAGAIN, ...):
 * as root in a container, `chmod 000` cannot make a file unreadable, and those errnos cannot be
 * produced by ordinary files at all.
 */
export function failingFsRoot(inner: FsRoot, failures: Record<string, string>): FsRoot {
  const fail = (path: string): void => {
    const code = failures[path];
    if (code !== undefined) {
      throw Object.assign(new Error(`${code}: simulated read failure, read '${path}'`), { code });
    }
  };
  return {
    root: inner.root,
    async readText(path) {
      fail(path);
      return inner.readText(path);
    },
    async listDir(path) {
      fail(path);
      return inner.listDir(path);
    },
    realPath: (path) => inner.realPath(path),
  };
}
