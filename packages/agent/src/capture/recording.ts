import type { FetchResult, FetchText } from '../host/fetch-text.ts';
import type { FsRoot } from '../host/fs-root.ts';
import type { CommandResult, RunCommand } from '../host/run-command.ts';
import type { SystemSource } from '../samplers/system/index.ts';
import type { HostWorld } from './world.ts';

/**
 * Wrappers behind the samplers' own seams that pass every call through to the real host and keep
 * what it answered, so a capture holds exactly what one round saw, and nothing else: no config, no
 * token, no environment (RunCommand never sees them). Each argv and path is kept once, first
 * answer wins; thermal and fans both walk /sys/class/hwmon and both run macmon on a Mac.
 */

export type FsAnswer<T> = { value: T } | { error: string };

export interface Recording {
  commands: Map<string, { argv: string[]; result: CommandResult }>;
  files: Map<string, FsAnswer<string | null>>;
  dirs: Map<string, FsAnswer<string[] | null>>;
  realPaths: Map<string, string | null>;
  http: Map<string, FetchResult>;
  system: Partial<Record<keyof SystemSource, FsAnswer<unknown>>>;
}

export function createRecording(): Recording {
  return {
    commands: new Map(),
    files: new Map(),
    dirs: new Map(),
    realPaths: new Map(),
    http: new Map(),
    system: {},
  };
}

export const argvKey = (argv: readonly string[]) => JSON.stringify(argv);

export function recordingRunCommand(inner: RunCommand, into: Recording): RunCommand {
  return async (argv, options) => {
    const result = await inner(argv, options);
    const key = argvKey(argv);
    if (!into.commands.has(key)) into.commands.set(key, { argv: [...argv], result });
    return result;
  };
}

export function recordingFetchText(inner: FetchText, into: Recording): FetchText {
  return async (url, options) => {
    const result = await inner(url, options);
    if (!into.http.has(url)) into.http.set(url, result);
    return result;
  };
}

async function keep<T>(map: Map<string, FsAnswer<T>>, path: string, read: () => Promise<T>): Promise<T> {
  try {
    const value = await read();
    if (!map.has(path)) map.set(path, { value });
    return value;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (!map.has(path)) map.set(path, { error: String(code) });
    throw error;
  }
}

export function recordingFsRoot(inner: FsRoot, into: Recording): FsRoot {
  return {
    root: inner.root,
    readText: (path) => keep(into.files, path, () => inner.readText(path)),
    listDir: (path) => keep(into.dirs, path, () => inner.listDir(path)),
    async realPath(path) {
      const target = await inner.realPath(path);
      if (!into.realPaths.has(path)) into.realPaths.set(path, target);
      return target;
    },
  };
}

export function recordingSystemSource(inner: SystemSource, into: Recording): SystemSource {
  // Only the fields the system sampler maps are kept (system/parse.ts's *Input types).
  const record = async <T>(name: keyof SystemSource, read: () => Promise<T>, pick: (v: T) => unknown) => {
    try {
      const value = await read();
      into.system[name] ??= { value: pick(value) };
      return value;
    } catch (error) {
      into.system[name] ??= { error: error instanceof Error ? error.message : String(error) };
      throw error;
    }
  };
  return {
    currentLoad: () =>
      record(
        'currentLoad',
        () => inner.currentLoad(),
        (v) => ({ currentLoad: v.currentLoad }),
      ),
    mem: () =>
      record(
        'mem',
        () => inner.mem(),
        (v) => ({ total: v.total, available: v.available }),
      ),
    fsSize: () =>
      record(
        'fsSize',
        () => inner.fsSize(),
        (list) =>
          list.map(({ fs, type, size, used, available, mount }) => ({
            fs,
            type,
            size,
            used,
            available,
            mount,
          })),
      ),
    time() {
      const value = inner.time();
      into.system.time ??= { value: { uptime: value.uptime } };
      return value;
    },
  };
}

/** The same host, with every answer it gives kept in `into`. */
export function recordingWorld(real: HostWorld, into: Recording): HostWorld {
  return {
    host: real.host,
    fs: recordingFsRoot(real.fs, into),
    runCommand: recordingRunCommand(real.runCommand, into),
    fetchText: recordingFetchText(real.fetchText, into),
    systemSource: real.systemSource && recordingSystemSource(real.systemSource, into),
  };
}
