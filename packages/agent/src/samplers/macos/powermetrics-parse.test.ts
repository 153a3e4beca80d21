import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { parseLastPlist } from './plist-parse.ts';
import {
  powermetricsHwModel,
  powermetricsPower,
  powermetricsThermalPressure,
  thermalPressureWordToLevel,
} from './powermetrics-parse.ts';

const sample = (name: string) => parseLastPlist(readFileSync(sharedFixturePath('macos', name), 'utf8'));

describeWithFixtures('powermetrics samples (root-only source, parsed for a later sudoers reader)', () => {
  it('maps thermal_pressure "Nominal" on the Mac16,6 thermal sample to level 0', () => {
    const thermal = sample('powermetrics-thermal-mac16_6.plist');
    expect(powermetricsHwModel(thermal)).toBe('Mac16,6');
    expect(powermetricsThermalPressure(thermal)).toEqual({ word: 'Nominal', level: 0 });
    expect(powermetricsPower(thermal)).toBeNull();
  });

  it('turns the cpu_power/gpu_power sampler milliwatts into watts', () => {
    const power = powermetricsPower(sample('powermetrics-soc-power.plist'));
    expect(power?.cpuWatts).toBeCloseTo(9.92435, 9);
    expect(power?.gpuWatts).toBeCloseTo(0.169958, 9);
    expect(power?.aneWatts).toBe(0);
    expect(power?.combinedWatts).toBeCloseTo(10.0943, 9);
  });

  it('finds no thermal_pressure in the default sampler set (Mac15,9), and reads its power', () => {
    const full = sample('powermetrics-default-mac15_9.plist');
    expect(powermetricsHwModel(full)).toBe('Mac15,9');
    expect(powermetricsThermalPressure(full)).toBeNull();
    const power = powermetricsPower(full);
    expect(power?.cpuWatts).toBeCloseTo(0.178147, 9);
    expect(power?.gpuWatts).toBeCloseTo(0.0408047, 9);
    expect(power?.aneWatts).toBe(0);
    expect(power?.combinedWatts).toBeCloseTo(0.218952, 9);
  });
});

describe('thermalPressureWordToLevel', () => {
  it('maps the five OSThermalPressureLevel words and nothing else', () => {
    expect(['Nominal', 'Moderate', 'Heavy', 'Trapping', 'Sleeping'].map(thermalPressureWordToLevel)).toEqual([
      0, 1, 2, 3, 4,
    ]);
    expect(thermalPressureWordToLevel('Fair')).toBeNull();
    expect(thermalPressureWordToLevel('')).toBeNull();
    expect(thermalPressureWordToLevel('constructor')).toBeNull();
    expect(thermalPressureWordToLevel('__proto__')).toBeNull();
  });
});
