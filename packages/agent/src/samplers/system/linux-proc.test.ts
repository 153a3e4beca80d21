import { describe, expect, it } from 'vitest';
import { systeminformationSource } from './index.ts';
import { createProcSystemSource, parseMeminfo, parseMounts, parseProcStatCpu } from './linux-proc.ts';

/**
 * The /proc reader against systeminformation on this very machine (real /proc, real statfs, real
 * df): the same memory, the same local filesystems with the same sizes, a CPU share in range.
 */
describe.skipIf(process.platform !== 'linux')('Linux /proc system source on this host', () => {
  const proc = createProcSystemSource();

  it('reads the same total memory as systeminformation, and available memory close to it', async () => {
    const [ours, theirs] = await Promise.all([proc.mem(), systeminformationSource.mem()]);
    expect(ours.total).toBe(theirs.total);
    expect(Math.abs(ours.available - theirs.available)).toBeLessThan(ours.total * 0.05);
  });

  it('lists the local filesystems df lists, with the same size, and no pseudo or remote ones', async () => {
    const [ours, theirs] = await Promise.all([proc.fsSize(), systeminformationSource.fsSize()]);
    const byMount = new Map(ours.map((entry) => [entry.mount, entry]));
    for (const fs of theirs.filter((entry) => entry.size > 0)) {
      const mine = byMount.get(fs.mount);
      expect(mine, fs.mount).toBeDefined();
      expect(mine?.size, fs.mount).toBe(fs.size);
      expect(Math.abs((mine?.available ?? 0) - fs.available), fs.mount).toBeLessThan(64 * 1024 * 1024);
    }
    expect(ours.some((entry) => ['proc', 'sysfs', 'cgroup2', 'nfs4'].includes(entry.type))).toBe(false);
  });

  it('gives a busy share in 0..100, since boot first and since the previous call after', async () => {
    const first = await proc.currentLoad();
    const second = await proc.currentLoad();
    for (const { currentLoad } of [first, second]) {
      expect(currentLoad).toBeGreaterThanOrEqual(0);
      expect(currentLoad).toBeLessThanOrEqual(100);
    }
    expect(proc.time().uptime).toBeGreaterThan(0);
  });
});

describe('the /proc parsers on hand-made lines (kernel formats from proc(5))', () => {
  it('counts iowait as idle and leaves guest time inside user', () => {
    expect(parseProcStatCpu('cpu  100 0 50 800 50 0 0 0 30 0\ncpu0 1 2 3 4\n')).toEqual({
      busy: 150,
      total: 1000,
    });
    expect(() => parseProcStatCpu('intr 1 2 3\n')).toThrow(/no "cpu" line/);
    expect(() => parseProcStatCpu('cpu  a b c d\n')).toThrow(/unreadable/);
  });

  it('reads MemTotal and MemAvailable in bytes, and names a missing key', () => {
    expect(parseMeminfo('MemTotal:       16384 kB\nMemFree: 1 kB\nMemAvailable:    8192 kB\n')).toEqual({
      total: 16_777_216,
      available: 8_388_608,
    });
    expect(() => parseMeminfo('MemTotal: 1 kB\n')).toThrow(/MemAvailable/);
  });

  it('unescapes octal escapes in mount points', () => {
    expect(parseMounts('/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n\n')).toEqual([
      { fs: '/dev/sdb1', mount: '/mnt/my disk', type: 'ext4' },
    ]);
  });
});
