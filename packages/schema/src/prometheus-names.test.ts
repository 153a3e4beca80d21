import { describe, expect, it } from 'vitest';
import { MetricNames, MetricUnits } from './names.ts';
import { prometheusMetricName, sanitizePrometheusLabel } from './prometheus-names.ts';

describe('OTel → Prometheus names', () => {
  it('gives every ARCHITECTURE.md metric its documented Prometheus name', () => {
    const name = (metric: keyof typeof MetricNames, kind: 'gauge' | 'counter' = 'gauge') =>
      prometheusMetricName(MetricNames[metric], MetricUnits[MetricNames[metric]], kind);
    expect(name('hwTemperature')).toBe('hw_temperature_celsius');
    expect(name('hwFanSpeed')).toBe('hw_fan_speed_rpm');
    expect(name('hwGpuUtilization')).toBe('hw_gpu_utilization_ratio');
    expect(name('hwPower')).toBe('hw_power_watts');
    expect(name('thermalPressure')).toBe('perimeter_thermal_pressure');
    expect(name('driftCheck')).toBe('perimeter_drift_check');
    expect(name('cpuUtilization')).toBe('system_cpu_utilization_ratio');
    expect(name('memoryUsage')).toBe('system_memory_usage_bytes');
    expect(name('uptime')).toBe('system_uptime_seconds');
    expect(name('authFailures', 'counter')).toBe('perimeter_auth_failures_total');
    expect(name('agentSpoolDropped', 'counter')).toBe('perimeter_agent_spool_dropped_total');
    expect(name('agentSpoolSize')).toBe('perimeter_agent_spool_size_bytes');
    expect(name('agentSamplerSuccess')).toBe('perimeter_agent_sampler_success');
    expect(name('agentSamplerDuration')).toBe('perimeter_agent_sampler_duration_seconds');
  });

  it('handles per-time units, odd characters and leading digits', () => {
    expect(prometheusMetricName('net.io', 'By/s', 'gauge')).toBe('net_io_bytes_per_second');
    expect(prometheusMetricName('weird-name.x', '', 'counter')).toBe('weird_name_x_total');
    expect(prometheusMetricName('9lives', 's', 'gauge')).toBe('_9lives_seconds');
    expect(sanitizePrometheusLabel('hw.id')).toBe('hw_id');
    expect(sanitizePrometheusLabel('1st')).toBe('key_1st');
  });
});
