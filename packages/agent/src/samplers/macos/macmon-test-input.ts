// Test input only (no production code imports this): a `macmon pipe` line for the reader tests.

/**
 * No real `macmon pipe` capture exists in the shared fixtures. This line is built from the field
 * names of macmon's serialized `Metrics` (src_lib/metrics.rs @6919d77) with the values of the
 * `macmon serve` fixture; it is a test input, not a recorded output.
 */
export const MACMON_PIPE_LINE = JSON.stringify({
  temp: { cpu_temp_avg: 47.3, gpu_temp_avg: 0 },
  memory: { ram_total: 1, ram_usage: 1, swap_total: 0, swap_usage: 0 },
  fans: [{ name: 'fan0', rpm: 1234, max_rpm: null }],
  gpu_usage: [461, 0.021],
  cpu_power: 8.42,
  gpu_power: 0.5,
  ane_power: 0,
  all_power: 8.92,
  timestamp: '2026-01-01T00:00:00+00:00',
});
