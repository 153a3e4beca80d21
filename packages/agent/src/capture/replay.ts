import type { FetchResult, FetchText } from '../host/fetch-text.ts';
import type { FsRoot } from '../host/fs-root.ts';
import type { CommandResult, RunCommand } from '../host/run-command.ts';
import type { SystemSource } from '../samplers/system/index.ts';
import { CaptureError, type LoadedCapture, loadCapture } from './manifest.ts';
import { argvKey, type FsAnswer, type Recording } from './recording.ts';
import type { HostWorld } from './world.ts';

/**
 * A host made only of a capture: commands and paths answer from the manifest, and anything the
 * capture does not hold answers as on a host that lacks it (`not-found`, `null`). The platform is
 * the captured one, so a Mac's capture runs the darwin readers on a Linux laptop. Nothing here
 * touches the real host.
 */

export function loadReplayWorld(dir: string): HostWorld {
  return replayWorld(loadCapture(dir));
}

export function replayWorld({ manifest, text }: LoadedCapture): HostWorld {
  const commands = new Map<string, CommandResult>();
  for (const c of manifest.commands) {
    const command = c.argv[0] ?? '';
    const stderr = c.stderrFile === undefined ? '' : text(c.stderrFile);
    const result: CommandResult =
      c.status === 'ok'
        ? { status: 'ok', stdout: c.stdoutFile === undefined ? '' : text(c.stdoutFile), stderr }
        : c.status === 'failed'
          ? { status: 'failed', exitCode: c.exitCode ?? null, stderr }
          : c.status === 'timeout'
            ? { status: 'timeout', afterMs: c.afterMs ?? 0 }
            : { status: 'not-found', command };
    commands.set(argvKey(c.argv), result);
  }
  const runCommand: RunCommand = async (argv) =>
    commands.get(argvKey(argv)) ?? { status: 'not-found', command: argv[0] ?? '' };

  const pages = new Map<string, FetchResult>();
  for (const h of manifest.http) {
    const result: FetchResult =
      h.status === 'ok'
        ? { status: 'ok', body: h.bodyFile === undefined ? '' : text(h.bodyFile) }
        : h.status === 'http-error'
          ? { status: 'http-error', code: h.code ?? 0 }
          : h.status === 'timeout'
            ? { status: 'timeout', afterMs: h.afterMs ?? 0 }
            : { status: 'unreachable', reason: h.reason ?? 'as captured' };
    pages.set(h.url, result);
  }
  const fetchText: FetchText = async (url) =>
    pages.get(url) ?? { status: 'unreachable', reason: 'not in the capture' };

  const files = new Map(manifest.files.map((f) => [f.path, f]));
  const dirs = new Map(manifest.dirs.map((d) => [d.path, d]));
  const realPaths = new Map(manifest.realPaths.map((r) => [r.path, r.target]));
  const fail = (path: string, code: string): never => {
    throw Object.assign(new Error(`${code}: as captured, read '${path}'`), { code });
  };
  const fs: FsRoot = {
    root: manifest.fsRoot,
    async readText(path) {
      const entry = files.get(path);
      if (entry === undefined || 'absent' in entry) return null;
      return 'error' in entry ? fail(path, entry.error) : text(entry.file);
    },
    async listDir(path) {
      const entry = dirs.get(path);
      if (entry === undefined || 'absent' in entry) return null;
      return 'error' in entry ? fail(path, entry.error) : [...entry.entries];
    },
    realPath: async (path) => realPaths.get(path) ?? null,
  };

  const systemSource =
    manifest.systemFile === undefined ? null : replaySystemSource(systemOf(manifest.systemFile, text));
  return {
    host: { hostname: manifest.hostname, platform: manifest.platform, arch: manifest.arch },
    fs,
    runCommand,
    fetchText,
    systemSource,
    replayed: true,
  };
}

function systemOf(file: string, text: LoadedCapture['text']): Recording['system'] {
  try {
    return JSON.parse(text(file)) as Recording['system'];
  } catch (error) {
    throw new CaptureError(`systemFile: ${file}: ${(error as Error).message}`);
  }
}

function replaySystemSource(system: Recording['system']): SystemSource {
  const answer = <T>(name: keyof SystemSource): T => {
    const entry = system[name] as FsAnswer<T> | undefined;
    if (entry === undefined) throw new Error(`${name} was not captured`);
    if ('error' in entry) throw new Error(entry.error);
    return entry.value;
  };
  return {
    currentLoad: async () => answer('currentLoad'),
    mem: async () => answer('mem'),
    fsSize: async () => answer('fsSize'),
    time: () => answer('time'),
  };
}
