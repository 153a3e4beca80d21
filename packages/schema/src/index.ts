export type { AgentConfig } from './config/agent.ts';
export { agentConfigSchema, agentFlagKeys } from './config/agent.ts';
export type { CollectorConfig } from './config/collector.ts';
export { collectorConfigSchema, collectorFlagKeys, ingestDefaults, metricsAuth } from './config/collector.ts';
export type { ConfigSources } from './config/load.ts';
export { envNameFor, loadConfig, validateConfig } from './config/load.ts';
export { parseByteSize, parseDurationMs } from './duration.ts';
export { ConfigError, ExitCodes, UsageError } from './errors.ts';
export type { ChainLinkInput } from './hash-chain.ts';
export {
  computeChainHash,
  digestEventRows,
  digestPayload,
  digestPayloadOffThread,
  GENESIS_HASH,
} from './hash-chain.ts';
export { isLoopbackHost } from './loopback.ts';
export type { AuthMethod, AuthOutcome, EventName, MetricName, ModelChange } from './names.ts';
export {
  AttributeNames,
  AuthMethods,
  AuthOutcomes,
  CollectorMetricNames,
  CounterMetricNames,
  DEFAULT_COLLECTOR_PORT,
  EventNames,
  IntegrityOutcomes,
  LifecycleActions,
  MetricNames,
  MetricUnits,
  ModelChanges,
  ModelSources,
  PerimeterHeaders,
  ResourceAttributeNames,
  ServiceNames,
} from './names.ts';
export type { PrometheusKind } from './prometheus-names.ts';
export { prometheusMetricName, sanitizePrometheusLabel, sanitizePrometheusName } from './prometheus-names.ts';
export type { TimeRange } from './time.ts';
export { parseTimeArg } from './time.ts';
