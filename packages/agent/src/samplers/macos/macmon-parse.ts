/**
 * macmon (vladkens/macmon) reads the SMC, IOReport and IOHID sensors without root, which makes it
 * the one no-root source of Apple-silicon temperatures and fan rpm. It speaks two formats, both
 * parsed here into one shape so the samplers do not care which one they got:
 * - `macmon pipe` JSON lines: the serde form of `Metrics` (src_lib/metrics.rs @6919d77:
 *   `temp.cpu_temp_avg`, `temp.gpu_temp_avg`, `fans[{name,rpm,max_rpm}]`, `cpu_power`, `gpu_power`,
 *   `ane_power`, `all_power`; `fans` exists only in releases that read fans).
 * - `macmon serve` Prometheus text (`macmon_cpu_temp_celsius{chip}`, `macmon_fan_speed_rpm{chip,fan}`,
 *   `macmon_*_power_watts`), as in the readme example fixture.
 * macmon averages keys in 0 < t ≤ 150 °C and writes 0 when none was read (`zero_div`), so a 0 °C
 * average is "not read" and dropped, never reported as 0 °C.
 */

import { nonNegative, ratio, readerTemperature } from './reader-values.ts';

export interface MacmonFan {
  name: string;
  rpm: number;
}

export interface MacmonSample {
  chip: string | null;
  cpuTempCelsius: number | null;
  gpuTempCelsius: number | null;
  /** null: this macmon output has no fan data at all (an older release, or a fanless Mac's serve). */
  fans: MacmonFan[] | null;
  /** GPU active residency 0..1 (pipe: `gpu_usage[1]`; serve: `macmon_gpu_active_ratio`). */
  gpuUtilization: number | null;
  powerWatts: {
    cpu: number | null;
    gpu: number | null;
    ane: number | null;
    /** all_power: CPU + GPU + ANE. */
    package: number | null;
    /** sys_power: the SMC's PSTR, the whole machine. */
    system: number | null;
  };
}

/** One `macmon pipe` JSON line (the last non-empty one if several). Throws on text that is not one. */
export function parseMacmonPipeJson(text: string): MacmonSample {
  const line = text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .at(-1);
  if (line === undefined) throw new Error('macmon pipe printed nothing');
  const doc: unknown = JSON.parse(line);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error('macmon pipe line is not a JSON object');
  }
  const record = doc as Record<string, unknown>;
  const temp = (typeof record.temp === 'object' && record.temp !== null ? record.temp : {}) as Record<
    string,
    unknown
  >;
  const soc = (typeof record.soc === 'object' && record.soc !== null ? record.soc : {}) as Record<
    string,
    unknown
  >;
  let fans: MacmonFan[] | null = null;
  if (Array.isArray(record.fans)) {
    fans = record.fans.flatMap((fan: unknown) => {
      const { name, rpm } = (fan ?? {}) as Record<string, unknown>;
      const value = nonNegative(rpm);
      return typeof name === 'string' && value !== null ? [{ name, rpm: value }] : [];
    });
  }
  return {
    chip: typeof soc.chip_name === 'string' ? soc.chip_name : null,
    cpuTempCelsius: readerTemperature(temp.cpu_temp_avg),
    gpuTempCelsius: readerTemperature(temp.gpu_temp_avg),
    fans,
    gpuUtilization: ratio(Array.isArray(record.gpu_usage) ? record.gpu_usage[1] : undefined),
    powerWatts: {
      cpu: nonNegative(record.cpu_power),
      gpu: nonNegative(record.gpu_power),
      ane: nonNegative(record.ane_power),
      package: nonNegative(record.all_power),
      system: nonNegative(record.sys_power),
    },
  };
}

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The Prometheus text format, as far as macmon writes it: `name{k="v",...} value` lines; `#` lines
 * (HELP/TYPE) and blank lines skipped. Label values unescape `\\`, `\"` and `\n`. A line that does
 * not fit, or whose value is not a finite number, is skipped rather than read as 0.
 */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?\s*$/.exec(line);
    if (match === null) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] ?? ''] = (label[2] ?? '').replace(/\\(["\\n])/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    samples.push({ name: match[1] ?? '', labels, value });
  }
  return samples;
}

/** `macmon serve` /metrics text → the same shape as a pipe line. */
export function macmonSampleFromExposition(text: string): MacmonSample {
  const samples = parseExposition(text).filter((s) => s.name.startsWith('macmon_'));
  const first = (name: string) => samples.find((s) => s.name === name)?.value ?? null;
  const fanSamples = samples.filter((s) => s.name === 'macmon_fan_speed_rpm');
  return {
    chip: samples.find((s) => s.labels.chip !== undefined)?.labels.chip ?? null,
    cpuTempCelsius: readerTemperature(first('macmon_cpu_temp_celsius')),
    gpuTempCelsius: readerTemperature(first('macmon_gpu_temp_celsius')),
    fans:
      fanSamples.length === 0
        ? null
        : fanSamples.flatMap((s) => {
            const rpm = nonNegative(s.value);
            return rpm === null ? [] : [{ name: s.labels.fan ?? 'fan', rpm }];
          }),
    gpuUtilization: ratio(first('macmon_gpu_active_ratio')),
    powerWatts: {
      cpu: nonNegative(first('macmon_cpu_power_watts')),
      gpu: nonNegative(first('macmon_gpu_power_watts')),
      ane: nonNegative(first('macmon_ane_power_watts')),
      package: nonNegative(first('macmon_all_power_watts')),
      system: nonNegative(first('macmon_sys_power_watts')),
    },
  };
}
