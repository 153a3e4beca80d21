import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { parsePmsetTherm, pmsetThermalPressureLevel } from './pmset-therm-parse.ts';

const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');

describeWithFixtures('parsePmsetTherm on real outputs', () => {
  it('reads the three Notes of an Apple-silicon Mac (stats #749, M1 Pro) as nominal', () => {
    const therm = parsePmsetTherm(fixture('pmset-therm-m1pro.txt'));
    expect(therm).toEqual({
      noThermalWarningRecorded: true,
      noPerformanceWarningRecorded: true,
      noCpuPowerStatusRecorded: true,
      cpuPower: null,
      unrecognized: [],
    });
    expect(pmsetThermalPressureLevel(therm)).toEqual({ level: 0 });
  });

  it('reads the tab-separated CPU Power notify block (node_exporter #2031) as nominal', () => {
    const therm = parsePmsetTherm(fixture('pmset-therm-cpu-power-notify.txt'));
    expect(therm.cpuPower).toEqual({ schedulerLimitPercent: 100, availableCpus: 12, speedLimitPercent: 100 });
    expect(therm.noThermalWarningRecorded).toBe(true);
    expect(therm.noCpuPowerStatusRecorded).toBe(false);
    expect(therm.unrecognized).toEqual([]);
    expect(pmsetThermalPressureLevel(therm)).toEqual({ level: 0 });
  });
});

describe('pmsetThermalPressureLevel refuses to guess', () => {
  const notes = 'Note: No thermal warning level has been recorded\n';

  it('gives no level, with the limit, when the OS limits the CPU', () => {
    const text = `${notes}2021-05-02 11:51:57 +0800 CPU Power notify\n\tCPU_Scheduler_Limit \t= 100\n\tCPU_Speed_Limit \t= 62\n`;
    expect(pmsetThermalPressureLevel(parsePmsetTherm(text))).toEqual({
      level: null,
      why: expect.stringContaining('62%'),
    });
  });

  it('gives no level for empty, truncated or unknown text', () => {
    expect(pmsetThermalPressureLevel(parsePmsetTherm('')).level).toBeNull();
    expect(pmsetThermalPressureLevel(parsePmsetTherm('Note: No thermal warning lev')).level).toBeNull();
    const published = pmsetThermalPressureLevel(parsePmsetTherm(`${notes}Thermal warning level: 5\n`));
    expect(published).toEqual({ level: null, why: expect.stringContaining('Thermal warning level: 5') });
  });

  it('ignores a limit line outside a CPU Power notify block as unrecognised', () => {
    expect(parsePmsetTherm(`${notes}CPU_Speed_Limit = 50`).unrecognized).toEqual(['CPU_Speed_Limit = 50']);
  });
});
