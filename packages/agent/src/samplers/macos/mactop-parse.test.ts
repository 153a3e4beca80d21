import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { mactopPressureLevel, parseMactopHeadless } from './mactop-parse.ts';

const fixture = () => readFileSync(sharedFixturePath('macos', 'mactop-headless-m1ultra.json'), 'utf8');

describeWithFixtures('mactop --headless --count 1 (readme example, Apple M1 Ultra)', () => {
  it('reads temperatures, GPU load, thermal state and power with the values in the file', () => {
    expect(parseMactopHeadless(fixture())).toEqual({
      chip: 'Apple M1 Ultra',
      cpuTempCelsius: 66.51124,
      gpuTempCelsius: 59.767166,
      socTempCelsius: 66.51124,
      gpuUtilization: 0.13709099344350134,
      thermalState: 'Moderate',
      pressureLevel: 1,
      powerWatts: {
        cpu: 5.971,
        gpu: 1.43491417,
        ane: 0,
        dram: 4.119,
        package: 11.564914169999998,
        system: 45.92987823486328,
      },
    });
  });
});

describe('parseMactopHeadless on other shapes', () => {
  it('takes the last sample of several, and a bare object too', () => {
    const a = { gpu_usage: 10, thermal_state: 'Nominal' };
    const b = { gpu_usage: 50, thermal_state: 'Heavy' };
    expect(parseMactopHeadless(JSON.stringify([a, b])).gpuUtilization).toBe(0.5);
    expect(parseMactopHeadless(JSON.stringify(b)).pressureLevel).toBe(2);
  });

  it('drops 0 °C (no sensor read), negative power and a percentage over 100', () => {
    const sample = parseMactopHeadless(
      JSON.stringify({ cpu_temp: 0, gpu_usage: 140, soc_metrics: { cpu_power: -1, gpu_temp: 0 } }),
    );
    expect(sample.cpuTempCelsius).toBeNull();
    expect(sample.gpuTempCelsius).toBeNull();
    expect(sample.gpuUtilization).toBeNull();
    expect(sample.powerWatts.cpu).toBeNull();
  });

  it('throws a clear error on empty, cut-off or non-object output', () => {
    expect(() => parseMactopHeadless('')).toThrow(/printed nothing/);
    expect(() => parseMactopHeadless('[\n   {\n      "timestamp":"2025')).toThrow(/not JSON/);
    expect(() => parseMactopHeadless('[]')).toThrow(/no sample object/);
    expect(() => parseMactopHeadless('[1]')).toThrow(/no sample object/);
  });
});

describe('mactopPressureLevel', () => {
  it('places both vocabularies of mactop releases on the pressure scale', () => {
    expect(
      ['Nominal', 'Normal', 'Moderate', 'Fair', 'Heavy', 'Serious', 'Trapping', 'Critical', 'Sleeping'].map(
        mactopPressureLevel,
      ),
    ).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4]);
    expect(mactopPressureLevel('Unknown')).toBeNull();
    expect(mactopPressureLevel('constructor')).toBeNull();
  });
});
