import type { Clock } from '../../host/clock.ts';
import type { FsRoot } from '../../host/fs-root.ts';
import type { RunCommand } from '../../host/run-command.ts';
import type { PrivilegedJob } from '../../privileged/macos-privileged-jobs.ts';
import type { AgedEntry, CheckSource, PartCondition, RawRead, UnavailableRead } from './check.ts';
import type { HostProbe } from './host-probe.ts';
import { listeningInodes } from './parse/linux.ts';
import { findSocketOwners, type SocketOwnerCache } from './socket-owners.ts';

/**
 * The only I/O of the drift checks: turns a CheckSource into a RawRead through the injected
 * runCommand, FsRoot and HostProbe. Expected failures are outcomes: a missing command is
 * `skipped` ("not on this host: …"), a permission error as non-root is `skipped` ("needs root: …"),
 * a timeout is `error`. Nothing here decides pass or fail.
 */

export interface ReadDeps {
  runCommand: RunCommand;
  fs: FsRoot;
  clock: Clock;
  probe: HostProbe | undefined;
  uid: number;
  isRoot: boolean;
  timeoutMs: number;
  /** Privileged job label → the file its output is read from (config); default the job's `output`. */
  privilegedOutputs?: Readonly<Record<string, string>> | undefined;
  /** The last /proc fd walk, kept by the sampler across rounds (socket-owners.ts). */
  socketOwners?: SocketOwnerCache | undefined;
}

/**
 * A privileged job's file not written for this many of its intervals is stale: launchd no longer
 * runs the job (unloaded, or its program fails), and its last answer may no longer hold.
 */
export const STALE_AFTER_INTERVALS = 3;

export type ReadResult =
  | { ok: true; raw: RawRead }
  | { ok: false; status: 'skipped' | 'error'; reason: string };

const isDenied = (error: unknown) =>
  ['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');

export async function readSource(source: CheckSource, deps: ReadDeps): Promise<ReadResult> {
  try {
    return await read(source, deps);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isDenied(error) && !deps.isRoot)
      return { ok: false, status: 'skipped', reason: `needs root: ${message}` };
    return { ok: false, status: 'error', reason: message };
  }
}

async function read(source: CheckSource, deps: ReadDeps): Promise<ReadResult> {
  const ok = (raw: RawRead): ReadResult => ({ ok: true, raw });
  switch (source.kind) {
    case 'command': {
      const result = await deps.runCommand(source.argv, { timeoutMs: deps.timeoutMs });
      if (result.status === 'not-found') {
        return { ok: false, status: 'skipped', reason: `not on this host: ${result.command}` };
      }
      if (result.status === 'timeout') {
        return {
          ok: false,
          status: 'error',
          reason: `${source.argv.join(' ')} timed out after ${result.afterMs} ms`,
        };
      }
      if (result.status === 'failed') {
        return ok({ kind: 'command', exitCode: result.exitCode ?? -1, stdout: '', stderr: result.stderr });
      }
      return ok({ kind: 'command', exitCode: 0, stdout: result.stdout, stderr: result.stderr });
    }
    case 'root-output':
      if (deps.isRoot) return read({ kind: 'command', argv: source.job.argv }, deps);
      return readRootOutput(source.job, deps);
    case 'file':
      return ok({ kind: 'file', path: source.path, text: await deps.fs.readText(source.path) });
    case 'files': {
      const dirPaths = await Promise.all(
        (source.dirs ?? []).map(async (dir) =>
          ((await deps.fs.listDir(dir.path)) ?? [])
            .filter((name) => dir.suffix === undefined || name.endsWith(dir.suffix))
            .map((name) => `${dir.path}/${name}`),
        ),
      );
      const paths = [...source.paths, ...dirPaths.flat()];
      const texts = await Promise.all(paths.map((path) => deps.fs.readText(path)));
      return ok({ kind: 'files', files: paths.map((path, i) => ({ path, text: texts[i] ?? null })) });
    }
    case 'dir':
      return ok({ kind: 'dir', path: source.path, entries: await deps.fs.listDir(source.path) });
    case 'proc-net':
      return ok(await readProcNet(deps));
    case 'block-devices':
      return ok(await readBlockDevices(source.mount, deps.fs));
    case 'aged-entries': {
      const probe = deps.probe;
      if (!probe) return { ok: false, status: 'error', reason: 'no HostProbe injected: cannot stat entries' };
      const now = deps.clock.nowMs();
      const dirs = await Promise.all(
        source.dirs.map(async (dir) => {
          const names = await deps.fs.listDir(dir.path);
          const entries: AgedEntry[] | null = names === null ? null : [];
          for (const name of names ?? []) {
            const stat = await probe.stat(`${dir.path.replace(/\/$/, '')}/${name}`);
            if (stat) entries?.push({ name, ageMs: now - stat.mtimeMs });
          }
          return { path: dir.path, maxAgeMs: dir.maxAgeMs, entries };
        }),
      );
      return ok({ kind: 'aged-entries', dirs });
    }
    case 'agent-uid':
      return ok({ kind: 'agent-uid', uid: deps.uid });
    case 'any-of':
      return ok({ kind: 'any-of', parts: await readParts(source, deps) });
  }
}

async function readParts(
  source: Extract<CheckSource, { kind: 'any-of' }>,
  deps: ReadDeps,
): Promise<Record<string, RawRead | UnavailableRead>> {
  const parts: Record<string, RawRead | UnavailableRead> = {};
  const readAll = async (names: string[]) => {
    const results = await Promise.all(names.map((name) => readSource(source.parts[name]!, deps)));
    names.forEach((name, i) => {
      const result = results[i]!;
      parts[name] = result.ok ? result.raw : { kind: 'unavailable', reason: result.reason };
    });
  };
  const when = source.when ?? {};
  const names = Object.keys(source.parts);
  await readAll(names.filter((name) => when[name] === undefined));
  const conditional = names.filter((name) => when[name] !== undefined);
  const due = conditional.filter((name) => holds(when[name]!, parts));
  await readAll(due);
  for (const name of conditional) {
    if (due.includes(name)) continue;
    const condition = when[name]!;
    parts[name] = {
      kind: 'unavailable',
      reason:
        'present' in condition
          ? `not read: ${condition.present} absent`
          : `not read: ${condition.absent} present`,
    };
  }
  return parts;
}

function holds(condition: PartCondition, parts: Record<string, RawRead | UnavailableRead>): boolean {
  const name = 'present' in condition ? condition.present : condition.absent;
  const part = parts[name];
  if (part === undefined)
    throw new Error(`any-of condition names ${name}, which is not an unconditional part`);
  return 'present' in condition === isPresent(part);
}

function isPresent(part: RawRead | UnavailableRead): boolean {
  switch (part.kind) {
    case 'file':
      return part.text !== null;
    case 'files':
      return part.files.some((file) => file.text !== null);
    case 'dir':
      return part.entries !== null;
    case 'command':
      return part.exitCode === 0;
    case 'unavailable':
      return false;
    default:
      return true;
  }
}

/**
 * The last answer of a root launchd job, for an agent that is not root. Only a fresh, readable,
 * non-empty file is a read: anything else is `skipped` with what to fix (rootOutputProblem), never
 * an empty read that a check could pass on (an empty listener list would pass `empty`).
 */
async function readRootOutput(job: PrivilegedJob, deps: ReadDeps): Promise<ReadResult> {
  const path = rootOutputPath(job, deps.privilegedOutputs);
  if (!deps.probe)
    return { ok: false, status: 'error', reason: `no HostProbe injected: cannot stat ${path}` };
  let file: RootOutputFile;
  try {
    const mtimeMs = (await deps.probe.stat(path))?.mtimeMs ?? null;
    file = { path, mtimeMs, text: mtimeMs === null ? null : await deps.fs.readText(path) };
  } catch (error) {
    if (!isDenied(error)) throw error;
    file = {
      path,
      mtimeMs: null,
      text: null,
      denied: error instanceof Error ? error.message : String(error),
    };
  }
  const problem = rootOutputProblem(job, file, deps.clock.nowMs());
  if (problem !== null || file.text === null)
    return { ok: false, status: 'skipped', reason: problem ?? 'absent' };
  return { ok: true, raw: { kind: 'command', exitCode: 0, stdout: file.text, stderr: '' } };
}

export function rootOutputPath(job: PrivilegedJob, outputs: ReadDeps['privilegedOutputs']): string {
  return outputs?.[job.label] ?? job.output;
}

/** What the agent found at a root job's file; `denied` is the EACCES message when it may not read it. */
export interface RootOutputFile {
  path: string;
  mtimeMs: number | null;
  text: string | null;
  denied?: string;
}

/** Why a root job's file cannot stand for the command's answer now, or null when it can. */
export function rootOutputProblem(job: PrivilegedJob, file: RootOutputFile, nowMs: number): string | null {
  if (file.denied !== undefined) {
    return `unreadable: ${file.denied} (the agent's user must be in group _perimeter; docs/least-privilege.md)`;
  }
  if (file.mtimeMs === null || file.text === null) {
    return `needs root: ${file.path} absent (launchd job ${job.label} not installed: deploy/macos/install.sh)`;
  }
  const ageS = Math.round((nowMs - file.mtimeMs) / 1000);
  if (ageS > STALE_AFTER_INTERVALS * job.intervalSeconds) {
    return `stale: ${file.path} last written ${ageS} s ago, over ${STALE_AFTER_INTERVALS} × ${job.intervalSeconds} s (is launchd job ${job.label} loaded?)`;
  }
  if (file.text.trim() === '')
    return `empty: ${file.path} holds no run of ${job.label} yet (installed or rotated)`;
  return null;
}

async function readProcNet(deps: ReadDeps): Promise<Extract<RawRead, { kind: 'proc-net' }>> {
  const [tcp, tcp6, udp, udp6, passwd] = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6', '/proc/net/udp', '/proc/net/udp6', '/etc/passwd'].map((p) =>
      deps.fs.readText(p),
    ),
  );
  const tables = { tcp: tcp ?? null, tcp6: tcp6 ?? null, udp: udp ?? null, udp6: udp6 ?? null };
  const wanted = new Set<string>([
    ...listeningInodes(tables.tcp ?? '', 'tcp'),
    ...listeningInodes(tables.tcp6 ?? '', 'tcp'),
    ...listeningInodes(tables.udp ?? '', 'udp'),
    ...listeningInodes(tables.udp6 ?? '', 'udp'),
  ]);
  const { owners: socketOwners, unreadableProcesses } = deps.probe
    ? await findSocketOwners(wanted, deps.fs, deps.probe, deps.socketOwners)
    : { owners: {}, unreadableProcesses: 0 };
  return { kind: 'proc-net', tables, passwd: passwd ?? null, socketOwners, unreadableProcesses };
}

async function readBlockDevices(
  mount: string,
  fs: FsRoot,
): Promise<Extract<RawRead, { kind: 'block-devices' }>> {
  const devices = ((await fs.listDir('/sys/block')) ?? []).filter((name) => name.startsWith('dm-'));
  const dm = await Promise.all(
    devices.map(async (device) => ({
      device,
      name: ((await fs.readText(`/sys/block/${device}/dm/name`)) ?? '').trim(),
      uuid: ((await fs.readText(`/sys/block/${device}/dm/uuid`)) ?? '').trim(),
      slaves: (await fs.listDir(`/sys/block/${device}/slaves`)) ?? [],
    })),
  );
  return { kind: 'block-devices', mount, mounts: await fs.readText('/proc/mounts'), dm };
}
