import type { FsRoot } from '../../host/fs-root.ts';
import type { HostProbe } from './host-probe.ts';

/**
 * Which process holds each listening socket: the /proc/<pid>/fd walk that `ss -p` and lsof do, one
 * readlink per open fd of every readable process. A drift round asks again every 5 minutes, and
 * listeners rarely change, so the last walk is kept: when the round looks for exactly the same
 * socket inodes, each owner found last time is confirmed with one readlink of the fd it was found
 * at (and its name re-read) instead of walking every fd on the host. An inode is never reused
 * while its socket is open, so the same set means the same sockets; anything else (a new or closed
 * listener, a confirmed fd now pointing elsewhere) walks again, and so does every
 * FULL_WALK_EVERY-th round, so a socket handed to a readable process is found within the hour.
 */

export const FULL_WALK_EVERY = 12;

interface Owner {
  pid: string;
  fd: string;
}

export interface SocketOwnerCache {
  last?: {
    wanted: ReadonlySet<string>;
    found: ReadonlyMap<string, Owner>;
    unreadableProcesses: number;
    roundsSinceWalk: number;
  };
}

export interface SocketOwners {
  /** socket inode → process name (`comm`), for the sockets whose holder could be read. */
  owners: Record<string, string>;
  unreadableProcesses: number;
}

export const createSocketOwnerCache = (): SocketOwnerCache => ({});

const isDenied = (error: unknown) =>
  ['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException | undefined)?.code ?? '');

export async function findSocketOwners(
  wanted: ReadonlySet<string>,
  fs: FsRoot,
  probe: HostProbe,
  cache: SocketOwnerCache = {},
): Promise<SocketOwners> {
  const last = cache.last;
  if (last && last.roundsSinceWalk + 1 < FULL_WALK_EVERY && sameSet(last.wanted, wanted)) {
    const confirmed = await confirm(last.found, fs, probe);
    if (confirmed !== null) {
      last.roundsSinceWalk++;
      return { owners: confirmed, unreadableProcesses: last.unreadableProcesses };
    }
  }
  const walked = await walk(wanted, fs, probe);
  cache.last = {
    wanted: new Set(wanted),
    found: walked.found,
    unreadableProcesses: walked.unreadableProcesses,
    roundsSinceWalk: 0,
  };
  return { owners: walked.owners, unreadableProcesses: walked.unreadableProcesses };
}

const commOf = async (fs: FsRoot, pid: string) =>
  ((await fs.readText(`/proc/${pid}/comm`).catch(() => null)) ?? '?').trim();

/** The owners again, if every fd found last time still holds its socket; null at the first that does not. */
async function confirm(
  found: ReadonlyMap<string, Owner>,
  fs: FsRoot,
  probe: HostProbe,
): Promise<Record<string, string> | null> {
  const owners: Record<string, string> = {};
  for (const [inode, { pid, fd }] of found) {
    const link = await probe.readLink(`/proc/${pid}/fd/${fd}`).catch(() => null);
    if (link !== `socket:[${inode}]`) return null;
    owners[inode] = await commOf(fs, pid);
  }
  return owners;
}

async function walk(wanted: ReadonlySet<string>, fs: FsRoot, probe: HostProbe) {
  const owners: Record<string, string> = {};
  const found = new Map<string, Owner>();
  let unreadableProcesses = 0;
  if (wanted.size === 0) return { owners, found, unreadableProcesses };
  const pids = ((await fs.listDir('/proc')) ?? []).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    if (found.size === wanted.size) break;
    let fds: string[] | null;
    try {
      fds = await fs.listDir(`/proc/${pid}/fd`);
    } catch (error) {
      if (!isDenied(error)) throw error;
      unreadableProcesses++;
      continue;
    }
    for (const fd of fds ?? []) {
      const inode = /^socket:\[(\d+)\]$/.exec(
        (await probe.readLink(`/proc/${pid}/fd/${fd}`).catch(() => null)) ?? '',
      )?.[1];
      if (inode && wanted.has(inode) && !found.has(inode)) {
        found.set(inode, { pid, fd });
        owners[inode] = await commOf(fs, pid);
      }
    }
  }
  return { owners, found, unreadableProcesses };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}
