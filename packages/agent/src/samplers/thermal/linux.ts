import { posix } from 'node:path';
import type { FsRoot } from '../../host/fs-root.ts';
import { TEMPERATURE_LIMIT_PROPERTIES, temperatureLimitReadings } from '../hwmon/limits.ts';
import type { HwmonSensor } from '../hwmon/parse.ts';
import { scanHwmonSensors } from '../hwmon/scan.ts';
import { listSysfsDir, readSysfsAttribute } from '../sysfs.ts';
import type { Logger, MetricReading, SampleResult } from '../types.ts';
import { hwmonTemperatureReading, type ThermalZoneRaw, thermalZoneReading } from './parse.ts';

/**
 * Linux temperatures from hwmon (`tempN_input`) and from thermal zones (`thermal_zoneN/temp`).
 *
 * Both are reported, under distinct ids (`hwmon:<chip>:tempN` vs `thermal_zoneN`). The thermal
 * framework mirrors most zones into hwmon as a chip named after the zone type (acpitz,
 * x86_pkg_temp), so the same sensor can appear twice. We keep both on purpose: the hwmon copy has
 * no link back to its zone, so matching them would be a guess by name and value, and dropping the
 * zones would lose the ones registered with `no_hwmon` (many ARM SoCs). Dashboards that want one
 * series per sensor select `hw.id=~"hwmon:.*"` first, which is what "prefer hwmon" means here.
 *
 * hwmon thresholds (`tempN_crit`, `_max`, `_min`, `_lcrit`, `_emergency`) become
 * `hw.temperature.limit` readings beside their sensor's reading (hwmon/limits.ts says which is
 * which); thermal zone trip points are not limits of the sensor and are not read.
 */

const THERMAL_CLASS_DIR = '/sys/class/thermal';

export async function collectLinuxTemperatures(fs: FsRoot, log: Logger): Promise<SampleResult> {
  const sensors = await scanHwmonSensors(fs, 'temp', log, TEMPERATURE_LIMIT_PROPERTIES);
  const fromHwmon = sensors.flatMap(hwmonTemperatureWithLimits);
  const fromZones = (await readThermalZones(fs, log)).map(thermalZoneReading);
  const readings = [...fromHwmon, ...fromZones].filter((r): r is MetricReading => r !== null);
  if (readings.length === 0) {
    return {
      status: 'not-available-here',
      reason: `no readable temperature sensor under ${fs.root} (sys/class/hwmon, sys/class/thermal)`,
    };
  }
  return { status: 'ok', readings };
}

/** A sensor's limits, then its reading; no reading, no limits (nothing to compare them with). */
function hwmonTemperatureWithLimits(sensor: HwmonSensor): MetricReading[] {
  const reading = hwmonTemperatureReading(sensor);
  return reading === null
    ? []
    : [...temperatureLimitReadings(sensor.limits ?? {}, reading.attributes), reading];
}

async function readThermalZones(fs: FsRoot, log: Logger): Promise<ThermalZoneRaw[]> {
  const zones = ((await listSysfsDir(fs, THERMAL_CLASS_DIR, log)) ?? []).filter((entry) =>
    /^thermal_zone\d+$/.test(entry),
  );
  const raws: ThermalZoneRaw[] = [];
  for (const zone of zones) {
    const dir = posix.join(THERMAL_CLASS_DIR, zone);
    raws.push({
      zone,
      type: await readSysfsAttribute(fs, posix.join(dir, 'type'), log),
      temp: await readSysfsAttribute(fs, posix.join(dir, 'temp'), log),
    });
  }
  return raws;
}
