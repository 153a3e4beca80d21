import { posix } from 'node:path';
import type { FsRoot } from '../../host/fs-root.ts';
import { listSysfsDir, readSysfsAttribute, resolveSysfsPath } from '../sysfs.ts';
import type { Logger, SampleResult } from '../types.ts';
import { type AmdgpuCardRaw, amdgpuStats } from './amdgpu-parse.ts';
import { gpuReadings } from './readings.ts';

/**
 * AMD GPUs through the amdgpu driver's sysfs attributes under `/sys/class/drm/cardN/device`. Only
 * amdgpu has `gpu_busy_percent`, so its presence is what makes a card ours: i915 and other cards,
 * and connector entries (`card1-DP-1`), are left alone. Temperature and power are not read here:
 * amdgpu exposes them through hwmon, which the thermal sampler already reports.
 */

const DRM_CLASS_DIR = '/sys/class/drm';

export async function readAmdGpus(fs: FsRoot, log: Logger): Promise<SampleResult> {
  const cards = ((await listSysfsDir(fs, DRM_CLASS_DIR, log)) ?? []).filter((entry) =>
    /^card\d+$/.test(entry),
  );
  const readings = [];
  for (const card of cards) {
    const raw = await readAmdgpuCard(fs, card, log);
    if (raw !== null) {
      readings.push(...gpuReadings(amdgpuStats(raw)));
    }
  }
  if (readings.length === 0) {
    return { status: 'not-available-here', reason: `no amdgpu card under ${fs.root} (sys/class/drm)` };
  }
  return { status: 'ok', readings };
}

async function readAmdgpuCard(fs: FsRoot, card: string, log: Logger): Promise<AmdgpuCardRaw | null> {
  const device = posix.join(DRM_CLASS_DIR, card, 'device');
  const read = (name: string) => readSysfsAttribute(fs, posix.join(device, name), log);
  const busyPercent = await read('gpu_busy_percent');
  if (busyPercent === null) {
    return null;
  }
  return {
    card,
    devicePath: await resolveSysfsPath(fs, device),
    uevent: await read('uevent'),
    productName: await read('product_name'),
    busyPercent,
    vramUsedBytes: await read('mem_info_vram_used'),
    vramTotalBytes: await read('mem_info_vram_total'),
  };
}
