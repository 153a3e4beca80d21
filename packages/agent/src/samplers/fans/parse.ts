import { AttributeNames, MetricNames } from '@perimeter/schema';
import { type HwmonSensor, hwmonSensorId, hwmonSensorName, parseSysfsInteger } from '../hwmon/parse.ts';
import type { MetricReading } from '../types.ts';

/**
 * Pure mapping from hwmon `fanN_input` to `hw.fan.speed`. A stopped fan really reads 0 and is
 * reported as 0; a fan whose input could not be read or parsed is no reading at all, because a
 * made-up 0 rpm would look exactly like a failed fan and fire the wrong alert.
 *
 * Future work: `fanN_min`, `fanN_max` and `fanN_target` need metric names of their own
 * (semconv's hw.fan.speed.limit); they are not attributes of the speed series.
 */

export function parseRpm(raw: string | null): number | null {
  const rpm = parseSysfsInteger(raw);
  return rpm === null || rpm < 0 ? null : rpm;
}

export function hwmonFanReading(sensor: HwmonSensor): MetricReading | null {
  const rpm = parseRpm(sensor.input);
  if (rpm === null) {
    return null;
  }
  return {
    metric: MetricNames.hwFanSpeed,
    value: rpm,
    attributes: {
      [AttributeNames.hwId]: hwmonSensorId(sensor.chipId, sensor.sensor),
      [AttributeNames.hwName]: hwmonSensorName(sensor.chipName, sensor.sensor, sensor.label),
    },
  };
}
