import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { Breach, SeriesRef } from './types.ts';

/**
 * Threshold breaches flagged on metric summaries. A temperature is judged against the node's own
 * `hw.temperature.limit` series for the same sensor (`hw.limit_type` high.critical, high.degraded),
 * as the hwmon and SMC samplers report them; without one, against a default for the kind of
 * sensor. Thermal pressure 2 (heavy) or more, and a drift check at 0 (fail), are breaches too.
 */
export const LIMIT_TYPES = { critical: 'high.critical', degraded: 'high.degraded' } as const;

interface Defaults {
  degraded: number;
  critical: number;
  kind: string;
}

/** Conservative defaults when a sensor reports no limit of its own (°C). */
const DEFAULT_LIMITS: ReadonlyArray<{ match: RegExp; limits: Defaults }> = [
  { match: /batt/i, limits: { degraded: 45, critical: 60, kind: 'battery' } },
  { match: /ssd|nvme|disk|drive|nand/i, limits: { degraded: 70, critical: 80, kind: 'storage' } },
  { match: /.*/, limits: { degraded: 95, critical: 105, kind: 'cpu/gpu/soc' } },
];

function sensorOf(series: SeriesRef): string {
  const id = series.attributes[AttributeNames.hwId] ?? series.attributes[AttributeNames.hwName] ?? '';
  return String(id);
}

/** The key a limit value is filed under: sensor and limit type. */
export function limitKeyOf(series: SeriesRef): string {
  return `${sensorOf(series)}\u0000${String(series.attributes[AttributeNames.hwLimitType] ?? '')}`;
}

export function breachOf(
  series: SeriesRef,
  summary: { min: number; max: number },
  limits: ReadonlyMap<string, number>,
): Breach | null {
  switch (series.metric) {
    case MetricNames.hwTemperature: {
      const sensor = sensorOf(series);
      const critical = limits.get(`${sensor}\u0000${LIMIT_TYPES.critical}`);
      const degraded = limits.get(`${sensor}\u0000${LIMIT_TYPES.degraded}`);
      if (critical !== undefined || degraded !== undefined) {
        if (critical !== undefined && summary.max > critical) {
          return {
            level: 'critical',
            threshold: critical,
            rule: `above the sensor's ${LIMIT_TYPES.critical} limit`,
          };
        }
        if (degraded !== undefined && summary.max > degraded) {
          return {
            level: 'degraded',
            threshold: degraded,
            rule: `above the sensor's ${LIMIT_TYPES.degraded} limit`,
          };
        }
        return null;
      }
      const name = `${sensor} ${String(series.attributes[AttributeNames.hwName] ?? '')}`;
      const defaults = (DEFAULT_LIMITS.find((entry) => entry.match.test(name)) ?? DEFAULT_LIMITS[2])
        ?.limits as Defaults;
      if (summary.max > defaults.critical) {
        return {
          level: 'critical',
          threshold: defaults.critical,
          rule: `above the ${defaults.kind} default`,
        };
      }
      if (summary.max > defaults.degraded) {
        return {
          level: 'degraded',
          threshold: defaults.degraded,
          rule: `above the ${defaults.kind} default`,
        };
      }
      return null;
    }
    case MetricNames.thermalPressure:
      return summary.max >= 2
        ? { level: 'heavy', threshold: 2, rule: 'thermal pressure heavy or worse' }
        : null;
    case MetricNames.driftCheck:
      return summary.min === 0 ? { level: 'fail', threshold: 0, rule: 'drift check failed' } : null;
    default:
      return null;
  }
}
