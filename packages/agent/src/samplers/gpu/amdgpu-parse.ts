import { posix } from 'node:path';
import { parseSysfsInteger } from '../hwmon/parse.ts';
import type { GpuStats } from './readings.ts';

/**
 * Pure mapping from an amdgpu card's sysfs attributes to GPU stats. The id is the PCI address
 * because `cardN` numbers follow driver load order (an iGPU can take card0 on one boot and card1 on
 * the next), and a value that does not parse is no reading, never 0.
 */

/** One `/sys/class/drm/cardN` of the amdgpu driver, as read. */
export interface AmdgpuCardRaw {
  card: string;
  /** Where `device` really leads (a PCI device directory on real hosts). */
  devicePath: string | null;
  uevent: string | null;
  productName: string | null;
  busyPercent: string | null;
  vramUsedBytes: string | null;
  vramTotalBytes: string | null;
}

/** amdgpu sysfs ABI: `gpu_busy_percent` is 0..100, `mem_info_vram_*` are bytes. */
export function amdgpuStats(raw: AmdgpuCardRaw): GpuStats {
  const busy = parseSysfsInteger(raw.busyPercent);
  return {
    id: pciSlotOf(raw.devicePath, raw.uevent) ?? `drm:${raw.card}`,
    // product_name is empty on many cards (and in the procfs fixture), so it is only a preference.
    name: raw.productName?.trim() || `amdgpu ${raw.card}`,
    utilizationRatio: busy === null ? null : busy / 100,
    memoryUsedBytes: parseSysfsInteger(raw.vramUsedBytes),
    memoryTotalBytes: parseSysfsInteger(raw.vramTotalBytes),
    temperatureCelsius: null,
    powerWatts: null,
  };
}

const PCI_SLOT = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;

/** The card's PCI address (`0000:09:00.0`): unlike `cardN`, it does not follow driver load order. */
export function pciSlotOf(devicePath: string | null, uevent: string | null): string | null {
  const base = devicePath === null ? '' : posix.basename(devicePath);
  if (PCI_SLOT.test(base)) {
    return base;
  }
  const fromUevent = /^PCI_SLOT_NAME=(.+)$/m.exec(uevent ?? '')?.[1]?.trim() ?? '';
  return PCI_SLOT.test(fromUevent) ? fromUevent : null;
}
