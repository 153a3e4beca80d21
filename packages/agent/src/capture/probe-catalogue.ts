import { MetricNames } from '@perimeter/schema';
import { IOREG_ACCELERATOR_ARGV } from '../samplers/gpu/darwin.ts';
import { NVIDIA_SMI_ARGV } from '../samplers/gpu/nvidia.ts';
import { MACMON_PIPE_ARGV } from '../samplers/macos/macmon.ts';
import { MACTOP_ARGV } from '../samplers/macos/mactop.ts';
import { SUDO_POWERMETRICS_ARGV } from '../samplers/macos/powermetrics-sudo.ts';
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

/**
 * Where a reading comes from: a command, a sysfs directory, a local HTTP reader (any URL the
 * recording saw, since the address is configurable), or the first of several that answered.
 */
export type Source =
  | { argv: readonly string[] }
  | { dir: string; evidence: RegExp }
  | { http: string }
  | { anyOf: readonly Source[] };
export interface Expected {
  sampler: string;
  metric: string;
  source: Source;
}

/** The no-root Apple readers in the order macos/apple-sensors.ts tries them (fans: the first two only). */
const APPLE_READERS: readonly Source[] = [
  { http: 'macmon serve' },
  { argv: MACMON_PIPE_ARGV },
  { argv: MACTOP_ARGV },
  { argv: SUDO_POWERMETRICS_ARGV },
];

const hwmon = (kind: string) => new RegExp(`^/sys/class/hwmon/[^/]+/(device/)?${kind}\\d+_input$`);
export const EXPECTED: Partial<Record<NodeJS.Platform, Expected[]>> = {
  darwin: [
    {
      sampler: 'thermal',
      metric: MetricNames.thermalPressure,
      // Readers that know the level come first (macmon never does); pmset answers otherwise.
      source: { anyOf: [...APPLE_READERS.slice(2), { argv: PMSET_THERM_ARGV }] },
    },
    { sampler: 'thermal', metric: MetricNames.hwTemperature, source: { anyOf: APPLE_READERS } },
    { sampler: 'fans', metric: MetricNames.hwFanSpeed, source: { anyOf: APPLE_READERS.slice(0, 2) } },
    {
      sampler: 'gpu',
      metric: MetricNames.hwGpuUtilization,
      source: { anyOf: [{ argv: IOREG_ACCELERATOR_ARGV }, ...APPLE_READERS] },
    },
    { sampler: 'gpu', metric: MetricNames.hwPower, source: { anyOf: APPLE_READERS } },
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
      reason:
        'needs root; used only with hardware.powermetricsViaSudo and deploy/sudoers/perimeter-powermetrics',
    },
  ],
};

export const ROOTISH = /must be (run as )?root|superuser|operation not permitted|permission denied|sudo/i;
