import { describe, expect, it } from 'vitest';
import {
  FAN_LIMIT_TYPES,
  fanLimitReadings,
  fanLimitRpm,
  TEMPERATURE_LIMIT_TYPES,
  temperatureLimitCelsius,
  temperatureLimitReadings,
} from './limits.ts';

const attributes = { 'hw.id': 'hwmon:nvme_nvme0:temp1', 'hw.name': 'Composite', 'hw.type': 'temperature' };

describe('temperatureLimitCelsius', () => {
  it('turns millidegrees into °C, as for inputs', () => {
    expect(temperatureLimitCelsius('crit', '94850\n')).toBe(94.85);
    expect(temperatureLimitCelsius('min', '-150\n')).toBe(-0.15);
    expect(temperatureLimitCelsius('lcrit', '-40000\n')).toBe(-40);
  });

  it("drops NVMe's unset thresholds, 0 K and 0xFFFF K (node_exporter's nvme0 fixture)", () => {
    expect(temperatureLimitCelsius('min', '-273150\n')).toBeNull();
    expect(temperatureLimitCelsius('max', '65261850\n')).toBeNull();
  });

  it('drops a high threshold at or below 0 °C, which would alert forever, but keeps a low one', () => {
    for (const property of ['crit', 'max', 'emergency']) {
      expect(temperatureLimitCelsius(property, '0\n'), property).toBeNull();
    }
    expect(temperatureLimitCelsius('min', '0\n')).toBe(0);
    expect(temperatureLimitCelsius('lcrit', '0\n')).toBe(0);
  });

  it('gives no value for absent or unparseable files', () => {
    for (const raw of [null, '', 'N/A\n', '84.5', '1e5']) {
      expect(temperatureLimitCelsius('max', raw)).toBeNull();
    }
  });
});

describe('fanLimitRpm', () => {
  it('keeps what the file says, 0 and a target above max included; drops negatives and garbage', () => {
    expect(fanLimitRpm('0\n')).toBe(0);
    expect(fanLimitRpm('27000\n')).toBe(27000);
    expect(fanLimitRpm('-1\n')).toBeNull();
    expect(fanLimitRpm('fast')).toBeNull();
  });
});

describe('limit readings', () => {
  it('maps each hwmon temperature threshold to its semconv limit type, on the reading’s attributes', () => {
    const readings = temperatureLimitReadings(
      { crit: '100000', max: '84000', min: '5000', lcrit: '0', emergency: '110000' },
      attributes,
    );
    expect(readings).toEqual([
      {
        metric: 'hw.temperature.limit',
        value: 100,
        attributes: { ...attributes, 'hw.limit_type': 'high.critical' },
      },
      {
        metric: 'hw.temperature.limit',
        value: 84,
        attributes: { ...attributes, 'hw.limit_type': 'high.degraded' },
      },
      {
        metric: 'hw.temperature.limit',
        value: 5,
        attributes: { ...attributes, 'hw.limit_type': 'low.degraded' },
      },
      {
        metric: 'hw.temperature.limit',
        value: 0,
        attributes: { ...attributes, 'hw.limit_type': 'low.critical' },
      },
      { metric: 'hw.temperature.limit', value: 110, attributes: { ...attributes, 'hw.limit_type': 'max' } },
    ]);
    expect(Object.keys(TEMPERATURE_LIMIT_TYPES)).toEqual(['crit', 'max', 'min', 'lcrit', 'emergency']);
  });

  it('maps fan min/max/target to low.critical, max and target', () => {
    const fan = { 'hw.id': 'hwmon:nct6779:fan2', 'hw.name': 'nct6779 fan2' };
    expect(fanLimitReadings({ min: '0', max: '2000', target: '27000' }, fan)).toEqual([
      { metric: 'hw.fan.speed.limit', value: 0, attributes: { ...fan, 'hw.limit_type': 'low.critical' } },
      { metric: 'hw.fan.speed.limit', value: 2000, attributes: { ...fan, 'hw.limit_type': 'max' } },
      { metric: 'hw.fan.speed.limit', value: 27000, attributes: { ...fan, 'hw.limit_type': 'target' } },
    ]);
    expect(FAN_LIMIT_TYPES).toEqual({ min: 'low.critical', max: 'max', target: 'target' });
  });

  it('gives nothing for a sensor without threshold files, and skips only the bad ones', () => {
    expect(temperatureLimitReadings({}, attributes)).toEqual([]);
    expect(temperatureLimitReadings({ crit: null, max: '84000' }, attributes).map((r) => r.value)).toEqual([
      84,
    ]);
  });
});
