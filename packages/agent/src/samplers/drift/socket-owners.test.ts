import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { createHostProbe, type HostProbe } from './host-probe.ts';
import { createSocketOwnerCache, FULL_WALK_EVERY, findSocketOwners } from './socket-owners.ts';

/** The real /proc of this host: a listening socket of this very process, found by its inode. */
const onLinux = process.platform === 'linux';
const fs = createFsRoot('/');
const myName = () => readFileSync('/proc/self/comm', 'utf8').trim();

async function listen(): Promise<{ server: Server; inode: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const line = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .find((f) => f[1] === `0100007F:${portHex}` && f[3] === '0A');
  if (!line?.[9]) throw new Error(`port ${port} not in /proc/net/tcp`);
  return { server, inode: line[9] };
}

/** A real probe that counts its readlinks, and may lie about chosen paths. */
function countingProbe(lies: Map<string, string> = new Map()): HostProbe & { readLinks: number } {
  const real = createHostProbe('/');
  const probe = {
    readLinks: 0,
    stat: (path: string) => real.stat(path),
    readLink: async (path: string) => {
      probe.readLinks++;
      return lies.get(path) ?? real.readLink(path);
    },
  };
  return probe;
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe.skipIf(!onLinux)('socket owners from the real /proc', () => {
  it('walks every fd once, then confirms the same listeners with one readlink each', async () => {
    const { server, inode } = await listen();
    servers.push(server);
    const cache = createSocketOwnerCache();
    const probe = countingProbe();
    const first = await findSocketOwners(new Set([inode]), fs, probe, cache);
    expect(first.owners).toEqual({ [inode]: myName() });
    expect(probe.readLinks).toBeGreaterThan(1);

    probe.readLinks = 0;
    const again = await findSocketOwners(new Set([inode]), fs, probe, cache);
    expect(again).toEqual(first);
    expect(probe.readLinks).toBe(1);
  });

  it('walks again for a new listener, for an fd that no longer holds its socket, and every FULL_WALK_EVERY rounds', async () => {
    const a = await listen();
    servers.push(a.server);
    const cache = createSocketOwnerCache();
    const lies = new Map<string, string>();
    const probe = countingProbe(lies);
    await findSocketOwners(new Set([a.inode]), fs, probe, cache);

    const b = await listen();
    servers.push(b.server);
    probe.readLinks = 0;
    const both = await findSocketOwners(new Set([a.inode, b.inode]), fs, probe, cache);
    expect(both.owners).toEqual({ [a.inode]: myName(), [b.inode]: myName() });
    expect(probe.readLinks).toBeGreaterThan(2);

    // The fd where a's socket was found now points elsewhere (closed and reused): walk, and find it anew.
    const where = [...(cache.last?.found ?? new Map())].find(([inode]) => inode === a.inode)?.[1];
    expect(where).toBeDefined();
    lies.set(`/proc/${where?.pid}/fd/${where?.fd}`, 'pipe:[1]');
    probe.readLinks = 0;
    const moved = await findSocketOwners(new Set([a.inode, b.inode]), fs, probe, cache);
    expect(probe.readLinks).toBeGreaterThan(2);
    expect(moved.owners[b.inode]).toBe(myName());
    lies.clear();

    const walks: boolean[] = [];
    await findSocketOwners(new Set([a.inode, b.inode]), fs, probe, cache);
    for (let round = 0; round < FULL_WALK_EVERY; round++) {
      probe.readLinks = 0;
      await findSocketOwners(new Set([a.inode, b.inode]), fs, probe, cache);
      walks.push(probe.readLinks > 2);
    }
    expect(walks.filter(Boolean)).toHaveLength(1);
  });

  it('looks nowhere when nothing listens', async () => {
    const probe = countingProbe();
    expect(await findSocketOwners(new Set(), fs, probe)).toEqual({ owners: {}, unreadableProcesses: 0 });
    expect(probe.readLinks).toBe(0);
  });
});
