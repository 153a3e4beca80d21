import { describe, expect, it } from 'vitest';
import { hwmonTemperatureReading, millidegreesToCelsius, thermalZoneReading } from './parse.ts';

describe('millidegreesToCelsius', () => {
  it('divides the kernel millidegrees by 1000', () => {
    expect(millidegreesToCelsius('43850\n')).toBe(43.85);
    expect(millidegreesToCelsius('12376\n')).toBe(12.376);
    expect(millidegreesToCelsius('-150\n')).toBe(-0.15);
  });

  it('gives no temperature, never 0 °C, for unreadable or garbled text', () => {
    expect(millidegreesToCelsius(null)).toBeNull();
    expect(millidegreesToCelsius('')).toBeNull();
    expect(millidegreesToCelsius('N/A\n')).toBeNull();
  });
});

describe('hwmonTemperatureReading', () => {
  it('names the reading by the driver label and ids it by chip and sensor', () => {
    expect(
      hwmonTemperatureReading({
        chipId: 'platform_coretemp_0',
        chipName: 'coretemp',
        sensor: 'temp1',
        input: '55000\n',
        label: 'Physical id 0\n',
      }),
    ).toEqual({
      metric: 'hw.temperature',
      value: 55,
      attributes: {
        'hw.id': 'hwmon:platform_coretemp_0:temp1',
        'hw.name': 'Physical id 0',
        'hw.type': 'temperature',
      },
    });
  });

  it('falls back to "<chip> <sensor>" without a label, and drops an unreadable input', () => {
    const base = {
      chipId: 'ieee80211_phy0_mt7996_phy0_0',
      chipName: 'mt7996_phy0_0',
      sensor: 'temp1',
      label: null,
    };
    expect(hwmonTemperatureReading({ ...base, input: '55000\n' })?.attributes['hw.name']).toBe(
      'mt7996_phy0_0 temp1',
    );
    expect(hwmonTemperatureReading({ ...base, input: null })).toBeNull();
  });
});

describe('thermalZoneReading', () => {
  it('ids a zone by its directory and names it by its type', () => {
    expect(thermalZoneReading({ zone: 'thermal_zone0', type: 'cpu-thermal\n', temp: '12376\n' })).toEqual({
      metric: 'hw.temperature',
      value: 12.376,
      attributes: { 'hw.id': 'thermal_zone0', 'hw.name': 'cpu-thermal', 'hw.type': 'temperature' },
    });
  });

  it('names a zone by its directory when the type is unreadable, and drops an unreadable temp', () => {
    expect(
      thermalZoneReading({ zone: 'thermal_zone3', type: null, temp: '40000' })?.attributes['hw.name'],
    ).toBe('thermal_zone3');
    expect(thermalZoneReading({ zone: 'thermal_zone3', type: 'acpitz', temp: null })).toBeNull();
  });
});
