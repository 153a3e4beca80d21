import { posix } from 'node:path';
import type { FsRoot } from '../../host/fs-root.ts';
import { listSysfsDir, readSysfsAttribute, resolveSysfsPath } from '../sysfs.ts';
import type { Logger } from '../types.ts';
import {
  type ChipCandidate,
  chipBaseId,
  disambiguateChipIds,
  type HwmonSensor,
  parseSensorFilename,
} from './parse.ts';

/**
 * The /sys/class/hwmon walk shared by the thermal and fans samplers (this folder is not a sampler).
 * Attributes are read from the hwmon directory and from its `device/` directory: older drivers
 * (applesmc in node_exporter's fixture) still put `fanN_input` and `name` on the device, which is
 * why node_exporter reads both. The hwmon directory wins when both have the same attribute.
 */

const CLASS_DIR = '/sys/class/hwmon';

interface Chip {
  dirs: string[];
  candidate: ChipCandidate;
  humanName: string | null;
}

/**
 * Every `<type>N` sensor that has an `_input` file; `[]` when there is no hwmon class at all.
 * `limitProperties` (`crit`, `max`…) are read into `limits` where the file exists, and only for
 * sensors whose input read: a chip that fails its input read often fails slowly (ENXIO after a bus
 * timeout), and a threshold with no reading beside it has nothing to be compared with.
 */
export async function scanHwmonSensors(
  fs: FsRoot,
  type: 'temp' | 'fan',
  log: Logger,
  limitProperties: readonly string[] = [],
): Promise<HwmonSensor[]> {
  const entries = (await listSysfsDir(fs, CLASS_DIR, log)) ?? [];
  const chips: Chip[] = [];
  for (const entry of entries) {
    const chip = await describeChip(fs, posix.join(CLASS_DIR, entry), log);
    if (chip !== null) {
      chips.push(chip);
    }
  }
  const ids = disambiguateChipIds(chips.map((chip) => chip.candidate));
  const sensors: HwmonSensor[] = [];
  for (const [index, chip] of chips.entries()) {
    const chipId = ids[index] ?? chip.candidate.baseId;
    const chipName = chip.humanName ?? chipId;
    for (const [sensor, files] of await sensorFiles(fs, chip.dirs, type, log)) {
      const inputPath = files.get('input');
      if (inputPath === undefined) {
        continue;
      }
      const labelPath = files.get('label');
      const input = await readSysfsAttribute(fs, inputPath, log);
      const label = labelPath === undefined ? null : await readSysfsAttribute(fs, labelPath, log);
      const sensorRead: HwmonSensor = { chipId, chipName, sensor, input, label };
      if (limitProperties.length > 0) {
        sensorRead.limits = input === null ? {} : await readLimits(fs, files, limitProperties, log);
      }
      sensors.push(sensorRead);
    }
  }
  return sensors;
}

async function readLimits(
  fs: FsRoot,
  files: ReadonlyMap<string, string>,
  properties: readonly string[],
  log: Logger,
): Promise<Record<string, string | null>> {
  const limits: Record<string, string | null> = {};
  for (const property of properties) {
    const path = files.get(property);
    if (path !== undefined) {
      limits[property] = await readSysfsAttribute(fs, path, log);
    }
  }
  return limits;
}

async function describeChip(fs: FsRoot, classDir: string, log: Logger): Promise<Chip | null> {
  const realDir = await resolveSysfsPath(fs, classDir);
  if (realDir === null || (await listSysfsDir(fs, classDir, log)) === null) {
    return null; // a dangling link or a plain file: nothing to read
  }
  const deviceDir = posix.join(classDir, 'device');
  const devicePath = await resolveSysfsPath(fs, deviceDir);
  const nameFile = (await readSysfsAttribute(fs, posix.join(classDir, 'name'), log))?.trim() ?? '';
  const baseId = chipBaseId({ devicePath, nameFile, realDir });
  if (baseId === null) {
    return null;
  }
  const deviceName =
    devicePath === null
      ? ''
      : ((await readSysfsAttribute(fs, posix.join(deviceDir, 'name'), log))?.trim() ?? '');
  return {
    dirs: devicePath === null ? [classDir] : [classDir, deviceDir],
    candidate: { baseId, nameFile, className: posix.basename(classDir) },
    humanName: nameFile || deviceName || null,
  };
}

/** sensor → property → path, first directory first so the hwmon dir beats `device/`. */
async function sensorFiles(
  fs: FsRoot,
  dirs: readonly string[],
  type: 'temp' | 'fan',
  log: Logger,
): Promise<Map<string, Map<string, string>>> {
  const bySensor = new Map<string, Map<string, string>>();
  for (const dir of dirs) {
    for (const filename of (await listSysfsDir(fs, dir, log)) ?? []) {
      const parsed = parseSensorFilename(filename, type);
      if (parsed === null) {
        continue;
      }
      const files = bySensor.get(parsed.sensor) ?? new Map<string, string>();
      if (!files.has(parsed.property)) {
        files.set(parsed.property, posix.join(dir, filename));
      }
      bySensor.set(parsed.sensor, files);
    }
  }
  return bySensor;
}
