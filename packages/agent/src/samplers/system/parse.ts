import type { MetricName } from '@perimeter/schema';
import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { Systeminformation } from 'systeminformation';
import type { AttributeValue, MetricReading } from '../types.ts';

/**
 * Pure mapping from systeminformation's result objects to readings, so the rules below are tested
 * on recorded shapes without a live host. Values that come out NaN or ±Infinity (a zero total, a
 * missing field) are dropped: a gauge that is absent says "unknown", a NaN says nothing useful and
 * poisons every sum and average downstream.
 */

export type LoadInput = Pick<Systeminformation.CurrentLoadData, 'currentLoad'>;
export type MemInput = Pick<Systeminformation.MemData, 'total' | 'available'>;
export type FsInput = Pick<
  Systeminformation.FsSizeData,
  'fs' | 'type' | 'size' | 'used' | 'available' | 'mount'
>;
export type TimeInput = Pick<Systeminformation.TimeData, 'uptime'>;

function gauge(
  metric: MetricName,
  value: number,
  attributes: Record<string, AttributeValue> = {},
): MetricReading[] {
  return Number.isFinite(value) ? [{ metric, value, attributes }] : [];
}

/** si reports percent busy since its previous call (since boot on the first), overall across CPUs. */
export function cpuReadings(load: LoadInput): MetricReading[] {
  return gauge(MetricNames.cpuUtilization, load.currentLoad / 100);
}

/**
 * "used" is total − MemAvailable, not total − MemFree: Linux fills free memory with page cache,
 * and an inference node with model files in cache would otherwise look permanently full. "free"
 * is therefore what a new process could still get, and used + free = total.
 */
export function memoryReadings(mem: MemInput): MetricReading[] {
  if (!(mem.total > 0) || !(mem.available >= 0) || mem.available > mem.total) {
    return [];
  }
  const used = mem.total - mem.available;
  return [
    ...gauge(MetricNames.memoryUsage, used, { [AttributeNames.memoryState]: 'used' }),
    ...gauge(MetricNames.memoryUsage, mem.available, { [AttributeNames.memoryState]: 'free' }),
    ...gauge(MetricNames.memoryUtilization, used / mem.total),
  ];
}

/**
 * Filesystems whose space is not disk space, or is someone else's disk counted again. si already
 * drops most of them on Linux; this list is the backstop for what it lets through (and for macOS).
 */
const PSEUDO_TYPES = new Set([
  'autofs',
  'devfs',
  'devtmpfs',
  'efivarfs',
  'nsfs',
  'proc',
  'ramfs',
  'squashfs',
  'sysfs',
  'tmpfs',
]);

/**
 * Overlay mounts on a container host are every container's view of the same backing disk, so
 * they are skipped, except at `/`: inside a container the overlay root is the only disk there is.
 */
function isRealFilesystem(entry: FsInput): boolean {
  const type = entry.type.toLowerCase();
  if (PSEUDO_TYPES.has(type)) {
    return false;
  }
  return type !== 'overlay' || entry.mount === '/';
}

/**
 * Utilization is used / (used + available), as `df` prints Use%: the blocks reserved for root
 * (5 % on ext4) count as neither, because an ordinary process can never write them.
 */
export function filesystemReadings(entries: readonly FsInput[]): MetricReading[] {
  const seen = new Set<string>();
  const readings: MetricReading[] = [];
  for (const entry of entries) {
    if (!isRealFilesystem(entry) || !(entry.size > 0) || seen.has(entry.mount)) {
      continue;
    }
    seen.add(entry.mount);
    const where = {
      [AttributeNames.filesystemDevice]: entry.fs,
      [AttributeNames.filesystemMountpoint]: entry.mount,
      [AttributeNames.filesystemType]: entry.type,
    };
    const usage = (state: string, bytes: number) =>
      gauge(MetricNames.filesystemUsage, bytes, { ...where, [AttributeNames.filesystemState]: state });
    const reserved = entry.size - entry.used - entry.available;
    readings.push(
      ...usage('used', entry.used),
      ...usage('free', entry.available),
      // btrfs and zfs can report used + available > size; a negative "reserved" is no reading.
      ...(reserved >= 0 ? usage('reserved', reserved) : []),
      ...gauge(MetricNames.filesystemUtilization, entry.used / (entry.used + entry.available), where),
    );
  }
  return readings;
}

export function uptimeReadings(time: TimeInput): MetricReading[] {
  return time.uptime >= 0 ? gauge(MetricNames.uptime, time.uptime) : [];
}
