import {
  CollectorMetricNames,
  CounterMetricNames,
  type MetricName,
  MetricNames,
  MetricUnits,
  prometheusMetricName,
} from '@perimeter/schema';

/**
 * The Prometheus names the dashboards query, derived from @perimeter/schema by the same OTel →
 * Prometheus rules the collector's /metrics uses, so a rename there renames every panel. The
 * e2e test (test/e2e/dashboards-promql.test.ts) checks each name a panel uses against a live
 * collector's /metrics.
 */
function nodeMetric(name: MetricName): string {
  return prometheusMetricName(name, MetricUnits[name], CounterMetricNames.has(name) ? 'counter' : 'gauge');
}

export const Prom = {
  temperature: nodeMetric(MetricNames.hwTemperature),
  temperatureLimit: nodeMetric(MetricNames.hwTemperatureLimit),
  fanSpeed: nodeMetric(MetricNames.hwFanSpeed),
  fanSpeedLimit: nodeMetric(MetricNames.hwFanSpeedLimit),
  gpuUtilization: nodeMetric(MetricNames.hwGpuUtilization),
  gpuMemoryUsage: nodeMetric(MetricNames.hwGpuMemoryUsage),
  gpuMemoryLimit: nodeMetric(MetricNames.hwGpuMemoryLimit),
  power: nodeMetric(MetricNames.hwPower),
  thermalPressure: nodeMetric(MetricNames.thermalPressure),
  cpuUtilization: nodeMetric(MetricNames.cpuUtilization),
  memoryUtilization: nodeMetric(MetricNames.memoryUtilization),
  memoryUsage: nodeMetric(MetricNames.memoryUsage),
  filesystemUtilization: nodeMetric(MetricNames.filesystemUtilization),
  filesystemUsage: nodeMetric(MetricNames.filesystemUsage),
  uptime: nodeMetric(MetricNames.uptime),
  driftCheck: nodeMetric(MetricNames.driftCheck),
  authFailures: nodeMetric(MetricNames.authFailures),
  samplerSuccess: nodeMetric(MetricNames.agentSamplerSuccess),
  samplerDuration: nodeMetric(MetricNames.agentSamplerDuration),
  spoolBatches: nodeMetric(MetricNames.agentSpoolBatches),
  spoolOldestAge: nodeMetric(MetricNames.agentSpoolOldestAge),
  spoolDropped: nodeMetric(MetricNames.agentSpoolDropped),
  shipRetries: nodeMetric(MetricNames.agentShipRetries),
  modelInfo: nodeMetric(MetricNames.modelInfo),
  modelSize: nodeMetric(MetricNames.modelSize),
  inferenceServerUp: nodeMetric(MetricNames.inferenceServerUp),
  inferenceServerRequests: nodeMetric(MetricNames.inferenceServerRequests),
  inferenceServerRequestDuration: nodeMetric(MetricNames.inferenceServerRequestDuration),
  ...CollectorMetricNames,
  // Derived by the collector from events (packages/collector/src/derive/metric-names.ts); not yet
  // in @perimeter/schema, so spelt here. The e2e test proves the collector exposes them.
  authLogins: 'perimeter_auth_logins_total',
  driftFleetOutlier: 'perimeter_drift_fleet_outlier',
  driftFleetNodes: 'perimeter_drift_fleet_nodes',
  auditEvents: 'perimeter_audit_events_total',
} as const;

/** Series Prometheus makes itself (not the collector): the scrape health and the rule states. */
export const PrometheusOwn = {
  up: 'up',
  alerts: 'ALERTS',
} as const;

/** The scrape job of deploy/prometheus/prometheus.yml. */
export const COLLECTOR_JOB = 'perimeter-collector';

/** Attribute labels, as the collector's exposition sanitizes them (`hw.id` → `hw_id`). */
export const Label = {
  node: 'node',
  hwId: 'hw_id',
  hwName: 'hw_name',
  hwLimitType: 'hw_limit_type',
  authMethod: 'auth_method',
  checkId: 'check_id',
  checkControls: 'check_controls',
  mountpoint: 'system_filesystem_mountpoint',
  memoryState: 'system_memory_state',
  sampler: 'perimeter_sampler',
  modelName: 'model_name',
  serverAddress: 'server_address',
} as const;
