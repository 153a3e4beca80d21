import { MetricNames } from '@perimeter/schema';
import { IOREG_ACCELERATOR_ARGV } from '../samplers/gpu/darwin.ts';
import { NVIDIA_SMI_ARGV } from '../samplers/gpu/nvidia.ts';
import { MACMON_PIPE_ARGV } from '../samplers/macos/macmon.ts';
import { PMSET_THERM_ARGV } from '../samplers/thermal/darwin.ts';

/**
 * What `probe` expects per platform: each reading a sampler can give and the exact command (the
 * samplers' own argv constants) or sysfs directory it comes from, plus the sources the agent knows
 * of but leaves alone because they need root. A sampler not listed here is reported by what it read.
 */
export type ProbeStatus = 'available' | 'not on this host' | 'needs root' | 'error' | 'not in capture';
export interface ProbeRow {
  sampler: string;
  reading: string;
  status: ProbeStatus;
  source: string;
  reason: string;
}
export interface ProbeReport {
  platform: string;
  rows: ProbeRow[];
  hints: string[];
}

export type Source = { argv: readonly string[] } | { dir: string; evidence: RegExp };
export interface Expected {
  sampler: string;
  metric: string;
  source: Source;
}

const hwmon = (kind: string) => new RegExp(`^/sys/class/hwmon/[^/]+/(device/)?${kind}\\d+_input$`);
export const EXPECTED: Partial<Record<NodeJS.Platform, Expected[]>> = {
  darwin: [
    { sampler: 'thermal', metric: MetricNames.thermalPressure, source: { argv: PMSET_THERM_ARGV } },
    { sampler: 'thermal', metric: MetricNames.hwTemperature, source: { argv: MACMON_PIPE_ARGV } },
    { sampler: 'fans', metric: MetricNames.hwFanSpeed, source: { argv: MACMON_PIPE_ARGV } },
    { sampler: 'gpu', metric: MetricNames.hwGpuUtilization, source: { argv: IOREG_ACCELERATOR_ARGV } },
  ],
  linux: [
    {
      sampler: 'thermal',
      metric: MetricNames.hwTemperature,
      source: { dir: '/sys/class/hwmon', evidence: hwmon('temp') },
    },
    {
      sampler: 'thermal',
      metric: MetricNames.hwTemperature,
      source: { dir: '/sys/class/thermal', evidence: /^\/sys\/class\/thermal\/thermal_zone\d+\/temp$/ },
    },
    {
      sampler: 'fans',
      metric: MetricNames.hwFanSpeed,
      source: { dir: '/sys/class/hwmon', evidence: hwmon('fan') },
    },
    { sampler: 'gpu', metric: MetricNames.hwGpuUtilization, source: { argv: NVIDIA_SMI_ARGV } },
    {
      sampler: 'gpu',
      metric: MetricNames.hwGpuUtilization,
      source: { dir: '/sys/class/drm', evidence: /^\/sys\/class\/drm\/card\d+\/device\/gpu_busy_percent$/ },
    },
  ],
};

/** Sources the agent knows about but does not use because they need root. */
export const ROOT_ONLY: Partial<Record<NodeJS.Platform, ProbeRow[]>> = {
  darwin: [
    {
      sampler: '-',
      reading: 'hw.power, thermal pressure, GPU residency',
      status: 'needs root',
      source: 'powermetrics',
      reason: 'needs root; not used',
    },
  ],
};

export const ROOTISH = /must be (run as )?root|superuser|operation not permitted|permission denied|sudo/i;
