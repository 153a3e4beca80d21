import type { Systeminformation } from 'systeminformation';
import { describe, expect, it } from 'vitest';
import { cpuReadings, filesystemReadings, memoryReadings, uptimeReadings } from './parse.ts';

// Shapes as systeminformation 5.33 returns them (si.mem() and si.fsSize() on this repo's Linux VM,
// the overlay/tmpfs rows as df -T prints them on a Docker host).
const mem: Systeminformation.MemData = {
  total: 25276510208,
  free: 24957845504,
  used: 318664704,
  active: 346386432,
  available: 24930123776,
  buffers: 835584,
  cached: 163872768,
  slab: 59256832,
  buffcache: 223965184,
  reclaimable: 37740544,
  swaptotal: 0,
  swapused: 0,
  swapfree: 0,
  writeback: 0,
  dirty: 151552,
};

const fsRow = (row: Partial<Systeminformation.FsSizeData>): Systeminformation.FsSizeData => ({
  fs: '/dev/vda',
  type: 'ext4',
  size: 270553174016,
  used: 23826763776,
  available: 85117530112,
  use: 21.87,
  mount: '/',
  rw: true,
  ...row,
});

describe('cpuReadings', () => {
  it('turns si percent busy into a 0..1 ratio', () => {
    expect(cpuReadings({ currentLoad: 25 })).toEqual([
      { metric: 'system.cpu.utilization', value: 0.25, attributes: {} },
    ]);
  });

  it('drops a NaN load (si divides by the CPU tick delta since its previous call, which can be 0)', () => {
    expect(cpuReadings({ currentLoad: Number.NaN })).toEqual([]);
  });
});

describe('memoryReadings', () => {
  it('counts page cache as free: used = total - available', () => {
    const used = 25276510208 - 24930123776;
    expect(memoryReadings(mem)).toEqual([
      { metric: 'system.memory.usage', value: used, attributes: { 'system.memory.state': 'used' } },
      { metric: 'system.memory.usage', value: 24930123776, attributes: { 'system.memory.state': 'free' } },
      { metric: 'system.memory.utilization', value: used / 25276510208, attributes: {} },
    ]);
  });

  it('reports nothing rather than NaN or a negative when totals make no sense', () => {
    expect(memoryReadings({ total: 0, available: 0 })).toEqual([]);
    expect(memoryReadings({ total: 100, available: 200 })).toEqual([]);
    expect(memoryReadings({ total: Number.NaN, available: 1 })).toEqual([]);
  });
});

describe('filesystemReadings', () => {
  it('reports used, free and root-reserved bytes and a df-style utilization per mount', () => {
    const where = {
      'system.device': '/dev/vda',
      'system.filesystem.mountpoint': '/',
      'system.filesystem.type': 'ext4',
    };
    expect(filesystemReadings([fsRow({})])).toEqual([
      {
        metric: 'system.filesystem.usage',
        value: 23826763776,
        attributes: { ...where, 'system.filesystem.state': 'used' },
      },
      {
        metric: 'system.filesystem.usage',
        value: 85117530112,
        attributes: { ...where, 'system.filesystem.state': 'free' },
      },
      {
        metric: 'system.filesystem.usage',
        value: 270553174016 - 23826763776 - 85117530112,
        attributes: { ...where, 'system.filesystem.state': 'reserved' },
      },
      {
        metric: 'system.filesystem.utilization',
        value: 23826763776 / (23826763776 + 85117530112),
        attributes: where,
      },
    ]);
  });

  it('skips tmpfs, a container host overlay mounts, zero-size and repeated mounts', () => {
    const readings = filesystemReadings([
      fsRow({}),
      fsRow({ fs: 'tmpfs', type: 'tmpfs', mount: '/dev/shm' }),
      fsRow({ fs: 'overlay', type: 'overlay', mount: '/var/lib/docker/overlay2/3f1c/merged' }),
      fsRow({ fs: '/dev/vdb', type: 'xfs', mount: '/data', size: 0, used: 0, available: 0 }),
      fsRow({ fs: '/dev/vdc', mount: '/' }),
    ]);
    const mounts = new Set(readings.map((r) => r.attributes['system.filesystem.mountpoint']));
    const devices = new Set(readings.map((r) => r.attributes['system.device']));
    expect([...mounts]).toEqual(['/']);
    expect([...devices]).toEqual(['/dev/vda']);
  });

  it('keeps an overlay root, which is the only disk inside a container', () => {
    const readings = filesystemReadings([fsRow({ fs: 'overlay', type: 'overlay', mount: '/' })]);
    expect(readings.filter((r) => r.metric === 'system.filesystem.utilization')).toHaveLength(1);
  });

  it('leaves out a negative reserved (btrfs, zfs) and any non-finite value', () => {
    const readings = filesystemReadings([
      fsRow({ fs: 'tank/data', type: 'zfs', mount: '/tank', size: 100, used: 60, available: 50 }),
      fsRow({ fs: '/dev/sdz', mount: '/broken', size: 10, used: 0, available: 0 }),
    ]);
    expect(
      readings.map((r) => [
        r.attributes['system.filesystem.mountpoint'],
        r.attributes['system.filesystem.state'],
      ]),
    ).toEqual([
      ['/tank', 'used'],
      ['/tank', 'free'],
      ['/tank', undefined],
      ['/broken', 'used'],
      ['/broken', 'free'],
      ['/broken', 'reserved'],
    ]);
    expect(readings.every((r) => Number.isFinite(r.value))).toBe(true);
  });
});

describe('uptimeReadings', () => {
  it('reports si uptime seconds and drops a non-finite one', () => {
    expect(uptimeReadings({ uptime: 426.73 })).toEqual([
      { metric: 'system.uptime', value: 426.73, attributes: {} },
    ]);
    expect(uptimeReadings({ uptime: Number.POSITIVE_INFINITY })).toEqual([]);
    expect(uptimeReadings({ uptime: Number.NaN })).toEqual([]);
  });
});
