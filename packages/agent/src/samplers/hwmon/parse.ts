import { posix } from 'node:path';

/**
 * Pure rules for naming hwmon chips and sensors. Chip ids follow node_exporter's `chip` label
 * (collector/hwmon_linux.go: hwmonName and the collision pass in Update) so that a Perimeter
 * `hw.id` can be matched one-to-one with `node_hwmon_*{chip=...}` on hosts that run both, and so
 * that the id survives reboots: `hwmonN` numbers follow module load order, device paths do not.
 */

/** One hwmon sensor as read from sysfs, before it becomes a reading. */
export interface HwmonSensor {
  /** Stable chip id, node_exporter's `chip` label (`platform_coretemp_0`). */
  chipId: string;
  /** Human chip name from `name` or `device/name` (`coretemp`), else the chip id. */
  chipName: string;
  /** `temp2`, `fan1`. */
  sensor: string;
  input: string | null;
  label: string | null;
  /**
   * Raw threshold files by property (`crit`, `max`, `min`…), only those asked for and present.
   * Absent unless the caller asked for limits.
   */
  limits?: Readonly<Record<string, string | null>>;
}

/** node_exporter's cleanMetricName: lower case, `[^a-z0-9:_]` → `_`, trimmed of `_`. */
export function cleanChipPart(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9:_]/g, '_')
    .replace(/^_+|_+$/g, '');
}

export interface ChipIdSources {
  /** Real path of `<hwmon>/device`, if that link exists. */
  devicePath: string | null;
  /** Content of `<hwmon>/name`, if readable. */
  nameFile: string | null;
  /** Real path of the hwmon directory itself. */
  realDir: string;
}

/** Preference: device bus + device name, then the `name` file, then `hwmonN`. */
export function chipBaseId({ devicePath, nameFile, realDir }: ChipIdSources): string | null {
  if (devicePath !== null) {
    const deviceName = cleanChipPart(posix.basename(devicePath));
    const deviceType = cleanChipPart(posix.basename(posix.dirname(devicePath)));
    if (deviceName !== '') {
      return deviceType !== '' ? `${deviceType}_${deviceName}` : deviceName;
    }
  }
  const fromName = cleanChipPart(nameFile ?? '');
  if (fromName !== '') {
    return fromName;
  }
  const fromDir = cleanChipPart(posix.basename(realDir));
  return fromDir === '' ? null : fromDir;
}

export interface ChipCandidate {
  baseId: string;
  /** Trimmed `<hwmon>/name`, or '' when absent. */
  nameFile: string;
  /** `hwmonN`, the entry under /sys/class/hwmon. */
  className: string;
}

/**
 * Several hwmon devices can hang off one parent device (asus-nb-wmi, the three mt7996 radios);
 * they would share a base id, so each gets its name file appended, or its hwmonN when even the
 * names collide, as node_exporter's Update does.
 */
export function disambiguateChipIds(candidates: readonly ChipCandidate[]): string[] {
  const baseCounts = countBy(candidates, (c) => c.baseId);
  const nameCounts = countBy(candidates, (c) => `${c.baseId}\0${c.nameFile}`);
  return candidates.map((c) => {
    if ((baseCounts.get(c.baseId) ?? 0) < 2) {
      return c.baseId;
    }
    let suffix = cleanChipPart(c.nameFile);
    if (suffix === '' || (nameCounts.get(`${c.baseId}\0${c.nameFile}`) ?? 0) > 1) {
      suffix = cleanChipPart(c.className);
    }
    return `${c.baseId}_${suffix}`;
  });
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  }
  return counts;
}

/** `temp2_input` → { sensor: 'temp2', property: 'input' } for the wanted sensor type only. */
export function parseSensorFilename(
  filename: string,
  type: string,
): { sensor: string; property: string } | null {
  const match = /^([a-z]+)(\d+)_([a-z_]+)$/.exec(filename);
  if (match === null || match[1] !== type) {
    return null;
  }
  return { sensor: `${type}${match[2]}`, property: match[3] ?? '' };
}

/**
 * sysfs hwmon values are integers by ABI (Documentation/hwmon/sysfs-interface.rst). Anything
 * else (empty, "N/A", garbage from a half-written file) is no reading rather than a guess.
 */
export function parseSysfsInteger(raw: string | null): number | null {
  const text = raw?.trim() ?? '';
  if (!/^-?\d+$/.test(text)) {
    return null;
  }
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

export function hwmonSensorId(chipId: string, sensor: string): string {
  return `hwmon:${chipId}:${sensor}`;
}

/** The driver's label when it has one ("Package id 0"), else "<chip> <sensor>" as `sensors` prints it. */
export function hwmonSensorName(chipName: string, sensor: string, label: string | null): string {
  const trimmed = label?.trim() ?? '';
  return trimmed !== '' ? trimmed : `${chipName} ${sensor}`;
}
