import { AttributeNames, MetricNames } from '@perimeter/schema';
import { type HwmonSensor, hwmonSensorId, hwmonSensorName, parseSysfsInteger } from '../hwmon/parse.ts';
import type { MetricReading } from '../types.ts';

/**
 * Pure mapping from raw sysfs text to `hw.temperature` readings. Both hwmon `tempN_input` and
 * thermal zone `temp` are millidegrees Celsius (kernel ABI); a value that does not parse is no
 * reading, never 0 °C.
 */

const TEMPERATURE_TYPE = 'temperature';

export function millidegreesToCelsius(raw: string | null): number | null {
  const milli = parseSysfsInteger(raw);
  return milli === null ? null : milli / 1000;
}

export function hwmonTemperatureReading(sensor: HwmonSensor): MetricReading | null {
  const celsius = millidegreesToCelsius(sensor.input);
  if (celsius === null) {
    return null;
  }
  return {
    metric: MetricNames.hwTemperature,
    value: celsius,
    attributes: {
      [AttributeNames.hwId]: hwmonSensorId(sensor.chipId, sensor.sensor),
      [AttributeNames.hwName]: hwmonSensorName(sensor.chipName, sensor.sensor, sensor.label),
      [AttributeNames.hwType]: TEMPERATURE_TYPE,
    },
  };
}

export interface ThermalZoneRaw {
  /** `thermal_zone0`, the entry under /sys/class/thermal. */
  zone: string;
  type: string | null;
  temp: string | null;
}

export function thermalZoneReading({ zone, type, temp }: ThermalZoneRaw): MetricReading | null {
  const celsius = millidegreesToCelsius(temp);
  if (celsius === null) {
    return null;
  }
  const name = type?.trim() ?? '';
  return {
    metric: MetricNames.hwTemperature,
    value: celsius,
    attributes: {
      [AttributeNames.hwId]: zone,
      [AttributeNames.hwName]: name !== '' ? name : zone,
      [AttributeNames.hwType]: TEMPERATURE_TYPE,
    },
  };
}
