import { describe, expect, it } from 'vitest';
import { hwmonFanReading, parseRpm } from './parse.ts';

const sensor = { chipId: 'nct6779', chipName: 'nct6779', sensor: 'fan2', label: null };

describe('parseRpm', () => {
  it('keeps a real 0 rpm and rejects what is not an rpm', () => {
    expect(parseRpm('0\n')).toBe(0);
    expect(parseRpm('1098\n')).toBe(1098);
    expect(parseRpm('-1\n')).toBeNull();
    expect(parseRpm('')).toBeNull();
    expect(parseRpm(null)).toBeNull();
  });
});

describe('hwmonFanReading', () => {
  it('reports hw.fan.speed in rpm, named by chip and sensor when there is no label', () => {
    expect(hwmonFanReading({ ...sensor, input: '1098\n' })).toEqual({
      metric: 'hw.fan.speed',
      value: 1098,
      attributes: { 'hw.id': 'hwmon:nct6779:fan2', 'hw.name': 'nct6779 fan2' },
    });
  });

  it('reports no reading, rather than 0 rpm, for a fan it could not read', () => {
    expect(hwmonFanReading({ ...sensor, input: null })).toBeNull();
    expect(hwmonFanReading({ ...sensor, input: 'garbage' })).toBeNull();
  });
});
