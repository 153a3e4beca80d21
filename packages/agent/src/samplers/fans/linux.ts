import type { FsRoot } from '../../host/fs-root.ts';
import { FAN_LIMIT_PROPERTIES, fanLimitReadings } from '../hwmon/limits.ts';
import type { HwmonSensor } from '../hwmon/parse.ts';
import { scanHwmonSensors } from '../hwmon/scan.ts';
import type { Logger, MetricReading, SampleResult } from '../types.ts';
import { hwmonFanReading } from './parse.ts';

/**
 * Linux fan speeds come only from hwmon; thermal zones have no fans (cooling devices have no rpm).
 * `fanN_min`, `_max` and `_target` become `hw.fan.speed.limit` readings beside the speed
 * (hwmon/limits.ts). A fan with no speed reading has no limit readings either: the "never
 * report a fan that could not be read" covers its limits too, and the sample is then unavailable.
 */
export async function collectLinuxFans(fs: FsRoot, log: Logger): Promise<SampleResult> {
  const sensors = await scanHwmonSensors(fs, 'fan', log, FAN_LIMIT_PROPERTIES);
  const readings = sensors.flatMap(fanWithLimits);
  if (readings.length === 0) {
    return {
      status: 'not-available-here',
      reason: `no readable fan sensor under ${fs.root} (sys/class/hwmon)`,
    };
  }
  return { status: 'ok', readings };
}

/** A fan's limits, then its speed, so the speed stays the last reading of its hw.id. */
function fanWithLimits(sensor: HwmonSensor): MetricReading[] {
  const reading = hwmonFanReading(sensor);
  return reading === null ? [] : [...fanLimitReadings(sensor.limits ?? {}, reading.attributes), reading];
}
