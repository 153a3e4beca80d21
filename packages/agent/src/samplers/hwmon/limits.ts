import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { AttributeValue, MetricReading } from '../types.ts';
import { parseSysfsInteger } from './parse.ts';

/**
 * Pure mapping from hwmon threshold files to semconv limit readings (`hw.temperature.limit`,
 * `hw.fan.speed.limit` with `hw.limit_type`). A limit carries exactly the attributes of the
 * reading it bounds plus `hw.limit_type`, so `hw_temperature_celsius > ignoring(hw_limit_type)
 * hw_temperature_limit_celsius{hw_limit_type="high.critical"}` joins one-to-one in PromQL, and the
 * hw.id is node_exporter's `chip`/`sensor` pair as for the reading.
 *
 * Which file is which limit (Documentation/hwmon/sysfs-interface.rst):
 * - `tempN_crit` → high.critical, `tempN_max` → high.degraded, `tempN_min` → low.degraded,
 *   `tempN_lcrit` → low.critical. These four are the ABI's two severities on each side.
 * - `tempN_emergency` → max. The ABI puts it at or above `crit` (the last-resort shutdown point).
 *   semconv's undirected `critical` would read as looser than high.critical; `max` says "the top
 *   of the range the part tolerates", which is what it is.
 * - `fanN_min` → low.critical: the only low limit fans have; below it the chip raises `fanN_alarm`
 *   (a stalled or failing fan). `fanN_max` → max (fastest the fan is specified to run).
 * - `fanN_target` → `target`. Not a semconv value (hw.limit_type is an open enum; semconv has no
 *   target speed at all), but the issue asks for it, it joins with the speed like the others, and a
 *   limit type is where a dashboard looks for "what the fan should be doing". Its value is what the
 *   driver says, even when it is above `max` (nct6779 in node_exporter's fixture asks for 27000).
 *
 * Values unlike node_exporter, which reports whatever the file says: a temperature threshold is
 * dropped when it cannot be a real threshold, because an alert compares against it:
 * - at or below absolute zero, and above 1000 °C: NVMe reports unset thresholds as 0 K
 *   (-273150) and 0xFFFF K (65261850), as the nvme0 chip in node_exporter's fixture shows;
 * - a high threshold (crit, max, emergency) at or below 0 °C: registers left unprogrammed read 0,
 *   and a sensor "over" such a threshold would alert forever.
 * Fan limits are kept as read, 0 included (nct6779's fan2_min is 0: no alarm threshold set, and a
 * low limit of 0 can never fire); a negative rpm is not a speed and is dropped.
 */

export const TEMPERATURE_LIMIT_TYPES = {
  crit: 'high.critical',
  max: 'high.degraded',
  min: 'low.degraded',
  lcrit: 'low.critical',
  emergency: 'max',
} as const satisfies Record<string, string>;

export const FAN_LIMIT_TYPES = {
  min: 'low.critical',
  max: 'max',
  target: 'target',
} as const satisfies Record<string, string>;

export const TEMPERATURE_LIMIT_PROPERTIES: readonly string[] = Object.keys(TEMPERATURE_LIMIT_TYPES);
export const FAN_LIMIT_PROPERTIES: readonly string[] = Object.keys(FAN_LIMIT_TYPES);

const ABSOLUTE_ZERO_CELSIUS = -273.15;
const MAX_PLAUSIBLE_CELSIUS = 1000;
const HIGH_TEMPERATURE_PROPERTIES = new Set(['crit', 'max', 'emergency']);

/** A temperature threshold in °C, or null when absent, unparseable or not a real threshold. */
export function temperatureLimitCelsius(property: string, raw: string | null): number | null {
  const milli = parseSysfsInteger(raw);
  if (milli === null) {
    return null;
  }
  const celsius = milli / 1000;
  if (celsius <= ABSOLUTE_ZERO_CELSIUS || celsius > MAX_PLAUSIBLE_CELSIUS) {
    return null;
  }
  if (HIGH_TEMPERATURE_PROPERTIES.has(property) && celsius <= 0) {
    return null;
  }
  return celsius;
}

export function fanLimitRpm(raw: string | null): number | null {
  const rpm = parseSysfsInteger(raw);
  return rpm === null || rpm < 0 ? null : rpm;
}

/** `hw.temperature.limit` readings for one sensor, with the attributes of its `hw.temperature` reading. */
export function temperatureLimitReadings(
  limits: Readonly<Record<string, string | null>>,
  readingAttributes: Readonly<Record<string, AttributeValue>>,
): MetricReading[] {
  return limitReadings(
    MetricNames.hwTemperatureLimit,
    TEMPERATURE_LIMIT_TYPES,
    limits,
    readingAttributes,
    temperatureLimitCelsius,
  );
}

/** `hw.fan.speed.limit` readings for one fan, with the attributes of its `hw.fan.speed` reading. */
export function fanLimitReadings(
  limits: Readonly<Record<string, string | null>>,
  readingAttributes: Readonly<Record<string, AttributeValue>>,
): MetricReading[] {
  return limitReadings(MetricNames.hwFanSpeedLimit, FAN_LIMIT_TYPES, limits, readingAttributes, (_, raw) =>
    fanLimitRpm(raw),
  );
}

function limitReadings(
  metric: MetricReading['metric'],
  types: Readonly<Record<string, string>>,
  limits: Readonly<Record<string, string | null>>,
  readingAttributes: Readonly<Record<string, AttributeValue>>,
  parseLimit: (property: string, raw: string | null) => number | null,
): MetricReading[] {
  const readings: MetricReading[] = [];
  for (const [property, limitType] of Object.entries(types)) {
    const value = parseLimit(property, limits[property] ?? null);
    if (value !== null) {
      readings.push({
        metric,
        value,
        attributes: { ...readingAttributes, [AttributeNames.hwLimitType]: limitType },
      });
    }
  }
  return readings;
}
