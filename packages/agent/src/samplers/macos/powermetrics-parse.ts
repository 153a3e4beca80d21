import { isPlistDict, type PlistValue } from './plist-parse.ts';

/**
 * Pure readers of `powermetrics -f plist` samples, for a later reader that an operator allows
 * through sudoers: powermetrics needs root, so nothing here is wired into a sampler.
 * - `thermal_pressure` appears only with `--samplers thermal` (fixture Mac16,6: "Nominal").
 *   Its words are OSThermalPressureLevel's: Nominal, Moderate, Heavy, Trapping, Sleeping → 0…4,
 *   the levels of perimeter.thermal.pressure. An unknown word is no level, never 0.
 * - `processor.{cpu,gpu,ane,combined}_power` are milliwatts (asitop divides by 1000).
 */

const PRESSURE_LEVELS: Record<string, number> = {
  nominal: 0,
  moderate: 1,
  heavy: 2,
  trapping: 3,
  sleeping: 4,
};

export function thermalPressureWordToLevel(word: string): number | null {
  const key = word.trim().toLowerCase();
  // Own keys only: "constructor" or "__proto__" from a garbled plist must not read the prototype.
  return Object.hasOwn(PRESSURE_LEVELS, key) ? (PRESSURE_LEVELS[key] ?? null) : null;
}

export function powermetricsThermalPressure(
  sample: PlistValue,
): { word: string; level: number | null } | null {
  if (!isPlistDict(sample) || typeof sample.thermal_pressure !== 'string') return null;
  return { word: sample.thermal_pressure, level: thermalPressureWordToLevel(sample.thermal_pressure) };
}

export interface PowermetricsPower {
  cpuWatts: number | null;
  gpuWatts: number | null;
  aneWatts: number | null;
  combinedWatts: number | null;
}

export function powermetricsPower(sample: PlistValue): PowermetricsPower | null {
  const processor = isPlistDict(sample) ? sample.processor : undefined;
  if (!isPlistDict(processor)) return null;
  const watts = (key: string): number | null => {
    const milli = processor[key];
    return typeof milli === 'number' && Number.isFinite(milli) && milli >= 0 ? milli / 1000 : null;
  };
  return {
    cpuWatts: watts('cpu_power'),
    gpuWatts: watts('gpu_power'),
    aneWatts: watts('ane_power'),
    combinedWatts: watts('combined_power'),
  };
}

export function powermetricsHwModel(sample: PlistValue): string | null {
  return isPlistDict(sample) && typeof sample.hw_model === 'string' ? sample.hw_model : null;
}

/** GPU active residency as asitop computes it: 1 − gpu.idle_ratio (the sample has no active_ratio). */
export function powermetricsGpuActive(sample: PlistValue): number | null {
  const gpu = isPlistDict(sample) ? sample.gpu : undefined;
  const idle = isPlistDict(gpu) ? gpu.idle_ratio : undefined;
  return typeof idle === 'number' && Number.isFinite(idle) && idle >= 0 && idle <= 1 ? 1 - idle : null;
}
