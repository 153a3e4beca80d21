import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, type Manifest } from './manifest.ts';
import type { Recording } from './recording.ts';
import type { HostWorld } from './world.ts';

/**
 * Writes a recording as a capture directory: manifest.json plus one file per command output and
 * per file read. The directory is 0700 and every file 0600 (a capture shows what runs on the
 * host), and an existing non-empty directory is refused so two captures never mix.
 */

export interface CaptureSummary {
  dir: string;
  commands: number;
  files: number;
}

export function writeCapture(
  dir: string,
  recording: Recording,
  host: HostWorld['host'] & { fsRoot: string },
  createdAt: Date,
  onceJson: string,
): CaptureSummary {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (readdirSync(dir).length > 0) {
    throw Object.assign(new Error(`--out ${dir}: is not empty; give a new directory for each capture`), {
      code: 'usage',
    });
  }
  chmodSync(dir, 0o700);
  const put = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text, { mode: 0o600, flag: 'wx' });
    return name;
  };
  const pad = (n: number) => String(n).padStart(3, '0');
  const commands = [...recording.commands.values()].map(({ argv, result }, i) => {
    const base = `cmd-${pad(i)}-${(argv[0] ?? 'cmd').replace(/[^A-Za-z0-9._-]/g, '_')}`;
    switch (result.status) {
      case 'ok':
        return {
          argv,
          status: result.status,
          stdoutFile: put(`${base}.stdout`, result.stdout),
          stderrFile: put(`${base}.stderr`, result.stderr),
        };
      case 'failed':
        return {
          argv,
          status: result.status,
          exitCode: result.exitCode,
          stderrFile: put(`${base}.stderr`, result.stderr),
        };
      case 'timeout':
        return { argv, status: result.status, afterMs: result.afterMs };
      default:
        return { argv, status: result.status };
    }
  });
  const http = [...recording.http].map(([url, result], i) => {
    switch (result.status) {
      case 'ok':
        return { url, status: result.status, bodyFile: put(`http-${pad(i)}.txt`, result.body) };
      case 'http-error':
        return { url, status: result.status, code: result.code };
      case 'timeout':
        return { url, status: result.status, afterMs: result.afterMs };
      default:
        return { url, status: result.status, reason: result.reason };
    }
  });
  let fileCount = 0;
  const files = [...recording.files].map(([path, answer]) => {
    if ('error' in answer) return { path, error: answer.error };
    if (answer.value === null) return { path, absent: true as const };
    return { path, file: put(`file-${pad(fileCount++)}.txt`, answer.value) };
  });
  const dirs = [...recording.dirs].map(([path, answer]) =>
    'error' in answer
      ? { path, error: answer.error }
      : answer.value === null
        ? { path, absent: true as const }
        : { path, entries: answer.value },
  );
  const realPaths = [...recording.realPaths].map(([path, target]) => ({ path, target }));
  const hasSystem = Object.keys(recording.system).length > 0;
  const manifest: Manifest = {
    formatVersion: 1,
    createdAt: createdAt.toISOString(),
    platform: host.platform as Manifest['platform'],
    arch: host.arch,
    hostname: host.hostname,
    fsRoot: host.fsRoot,
    commands,
    http,
    files,
    dirs,
    realPaths,
    onceFile: put('once.json', onceJson),
    ...(hasSystem
      ? { systemFile: put('system.json', `${JSON.stringify(recording.system, null, 2)}\n`) }
      : {}),
  };
  put(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, commands: commands.length, files: fileCount };
}
