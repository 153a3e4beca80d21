import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { MetricReading } from '../types.ts';
import type { IoregDict, IoregNode } from './ioreg-parse.ts';
import { gpuReadings } from './readings.ts';

/**
 * What one macOS IOAccelerator's `PerformanceStatistics` says, as readings: kept apart from the
 * ioreg command so the key choices (which utilization, which memory figure) are tested on their own.
 */

/**
 * OTel semconv `hw.gpu.task` (values `general`, `encoder`, `decoder`; open enum), not yet in
 * AttributeNames. Device Utilization is the whole GPU (`general`); Apple's renderer and tiler
 * stages are reported as `renderer` and `tiler`.
 */
export const GPU_TASK_ATTRIBUTE = 'hw.gpu.task';
export const GPU_TASK_VALUES = { device: 'general', renderer: 'renderer', tiler: 'tiler' } as const;

const PERCENT_KEYS = {
  device: ['Device Utilization %', 'GPU Activity(%)'],
  renderer: ['Renderer Utilization %'],
  tiler: ['Tiler Utilization %'],
} as const;

/** What one accelerator's `PerformanceStatistics` gives; null where a key is absent or odd. */
export interface DarwinGpuStats {
  id: string;
  name: string;
  device: number | null;
  renderer: number | null;
  tiler: number | null;
  memoryInUseBytes: number | null;
}

function firstNumber(stats: IoregDict, keys: readonly string[]): number | null {
  for (const key of keys) {
    const value = stats.get(key);
    if (typeof value === 'number' && Number.isFinite(value)) {
      return value;
    }
  }
  return null;
}

function ratio(stats: IoregDict, keys: readonly string[]): number | null {
  const percent = firstNumber(stats, keys);
  return percent !== null && percent >= 0 && percent <= 100 ? percent / 100 : null;
}

/** Null when the node has no PerformanceStatistics dictionary (or it did not parse). */
export function darwinGpuStats(node: IoregNode, index: number): DarwinGpuStats | null {
  const stats = node.properties.get('PerformanceStatistics');
  if (!(stats instanceof Map)) {
    return null;
  }
  const model = node.properties.get('model');
  // Exactly "In use system memory": "In use system memory (driver)" is a different, smaller figure.
  const inUse = firstNumber(stats, ['In use system memory']);
  return {
    id: `gpu${index}`,
    name: typeof model === 'string' && model.trim() !== '' ? model.trim() : node.className,
    device: ratio(stats, PERCENT_KEYS.device),
    renderer: ratio(stats, PERCENT_KEYS.renderer),
    tiler: ratio(stats, PERCENT_KEYS.tiler),
    memoryInUseBytes: inUse !== null && Number.isSafeInteger(inUse) && inUse >= 0 ? inUse : null,
  };
}

/**
 * Unified memory has no GPU memory limit, and "Alloc system memory" is what the driver has
 * reserved, not a limit, so hw.gpu.memory.limit is left out on Apple silicon.
 */
export function darwinGpuReadings(gpu: DarwinGpuStats): MetricReading[] {
  const base = gpuReadings({
    id: gpu.id,
    name: gpu.name,
    utilizationRatio: gpu.device,
    memoryUsedBytes: gpu.memoryInUseBytes,
    memoryTotalBytes: null,
    temperatureCelsius: null,
    powerWatts: null,
  }).map((reading) =>
    reading.metric === MetricNames.hwGpuUtilization
      ? { ...reading, attributes: { ...reading.attributes, [GPU_TASK_ATTRIBUTE]: GPU_TASK_VALUES.device } }
      : reading,
  );
  const attributes = { [AttributeNames.hwId]: gpu.id, [AttributeNames.hwName]: gpu.name };
  const stages = (['renderer', 'tiler'] as const).flatMap((stage) => {
    const value = gpu[stage];
    return value === null
      ? []
      : [
          {
            metric: MetricNames.hwGpuUtilization,
            value,
            attributes: { ...attributes, [GPU_TASK_ATTRIBUTE]: GPU_TASK_VALUES[stage] },
          },
        ];
  });
  return [...base, ...stages];
}
