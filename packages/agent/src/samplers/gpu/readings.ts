import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { MetricReading } from '../types.ts';

/**
 * One vendor-neutral shape for a GPU, so NVIDIA and AMD cards become the same series with the same
 * attributes, and a reading a vendor cannot give (null) is left out rather than sent as 0.
 */

/** What both vendors' readers produce for one GPU before it becomes readings. */
export interface GpuStats {
  id: string;
  name: string;
  utilizationRatio: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  temperatureCelsius: number | null;
  powerWatts: number | null;
}

export function gpuReadings(gpu: GpuStats): MetricReading[] {
  const attributes = { [AttributeNames.hwId]: gpu.id, [AttributeNames.hwName]: gpu.name };
  const candidates: Array<[MetricReading['metric'], number | null, MetricReading['attributes']]> = [
    [MetricNames.hwGpuUtilization, gpu.utilizationRatio, attributes],
    [MetricNames.hwGpuMemoryUsage, gpu.memoryUsedBytes, attributes],
    [MetricNames.hwGpuMemoryLimit, gpu.memoryTotalBytes, attributes],
    [
      MetricNames.hwTemperature,
      gpu.temperatureCelsius,
      { ...attributes, [AttributeNames.hwName]: `${gpu.name} GPU`, [AttributeNames.hwType]: 'temperature' },
    ],
    // ARCHITECTURE "Names": hw.power is named by what draws it (cpu, gpu, package); the id says which GPU.
    [MetricNames.hwPower, gpu.powerWatts, { ...attributes, [AttributeNames.hwName]: 'gpu' }],
  ];
  return candidates
    .filter((candidate): candidate is [MetricReading['metric'], number, MetricReading['attributes']] =>
      Number.isFinite(candidate[1]),
    )
    .map(([metric, value, attrs]) => ({ metric, value, attributes: attrs }));
}
