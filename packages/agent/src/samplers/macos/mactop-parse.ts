/**
 * `mactop --headless --count 1` (context-labs/mactop): a no-root reader of the SMC, IOReport and
 * the OS thermal state. With `--count N` it prints a JSON array of N samples (headless.go); the
 * last complete one is read. It has temperatures, GPU residency, power and thermal pressure, but no
 * fan speed. Field names are those of its HeadlessOutput/SocMetrics structs (readme example fixture).
 * Like macmon, a 0 °C average means "no sensor read", so it is dropped rather than reported.
 */

import { nonNegative, readerTemperature } from './reader-values.ts';

export interface MactopSample {
  chip: string | null;
  cpuTempCelsius: number | null;
  gpuTempCelsius: number | null;
  socTempCelsius: number | null;
  /** 0..1 (mactop prints a percentage). */
  gpuUtilization: number | null;
  thermalState: string | null;
  /** ARCHITECTURE's perimeter.thermal.pressure level, or null for a word we cannot place. */
  pressureLevel: number | null;
  powerWatts: {
    cpu: number | null;
    gpu: number | null;
    ane: number | null;
    dram: number | null;
    /** total_power: CPU + GPU + ANE + DRAM + GPU SRAM. */
    package: number | null;
    /** system_power: the SMC's PSTR, the whole machine. */
    system: number | null;
  };
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/**
 * mactop releases name the state with two vocabularies: OSThermalPressureLevel's (Nominal,
 * Moderate, Heavy, Trapping, Sleeping; the fixture's release) and NSProcessInfo.thermalState's
 * (Nominal, Fair, Serious, Critical; older ones said Normal for nominal). Both are ordered scales of
 * the same kernel pressure, so Fair/Serious/Critical take the places of Moderate/Heavy/Trapping.
 */
const PRESSURE_WORDS = new Map<string, number>([
  ['nominal', 0],
  ['normal', 0],
  ['moderate', 1],
  ['fair', 1],
  ['heavy', 2],
  ['serious', 2],
  ['trapping', 3],
  ['critical', 3],
  ['sleeping', 4],
]);

export function mactopPressureLevel(word: string): number | null {
  // A Map, not an object literal: a word such as "constructor" must not find a prototype member.
  return PRESSURE_WORDS.get(word.trim().toLowerCase()) ?? null;
}

/** The last sample of mactop's headless output. Throws with a clear message on anything else. */
export function parseMactopHeadless(text: string): MactopSample {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('mactop printed nothing');
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch (error) {
    throw new Error(`mactop output is not JSON: ${(error as Error).message}`);
  }
  const sample = Array.isArray(doc) ? doc.at(-1) : doc;
  if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
    throw new Error('mactop output holds no sample object');
  }
  const top = sample as Record<string, unknown>;
  const soc = record(top.soc_metrics);
  const usage = nonNegative(top.gpu_usage);
  const state = typeof top.thermal_state === 'string' ? top.thermal_state : null;
  const chip = record(top.system_info).name;
  return {
    chip: typeof chip === 'string' ? chip : null,
    cpuTempCelsius: readerTemperature(top.cpu_temp ?? soc.cpu_temp),
    gpuTempCelsius: readerTemperature(top.gpu_temp ?? soc.gpu_temp),
    socTempCelsius: readerTemperature(soc.soc_temp),
    gpuUtilization: usage === null || usage > 100 ? null : usage / 100,
    thermalState: state,
    pressureLevel: state === null ? null : mactopPressureLevel(state),
    powerWatts: {
      cpu: nonNegative(soc.cpu_power),
      gpu: nonNegative(soc.gpu_power),
      ane: nonNegative(soc.ane_power),
      dram: nonNegative(soc.dram_power),
      package: nonNegative(soc.total_power),
      system: nonNegative(soc.system_power),
    },
  };
}
