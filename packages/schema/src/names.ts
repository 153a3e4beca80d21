/**
 * Every metric, attribute, event and header name Perimeter uses. Other parts, dashboards and
 * operators depend on these strings (ARCHITECTURE.md "Names"): code refers to the constants,
 * never to literals, so a rename is one edit here plus a note.
 */

export const MetricNames = {
  hwTemperature: 'hw.temperature',
  hwFanSpeed: 'hw.fan.speed',
  /** Sensor thresholds (semconv `hw.temperature.limit`, `hw.fan.speed.limit` with `hw.limit_type`). */
  hwTemperatureLimit: 'hw.temperature.limit',
  hwFanSpeedLimit: 'hw.fan.speed.limit',
  hwGpuUtilization: 'hw.gpu.utilization',
  hwGpuMemoryUsage: 'hw.gpu.memory.usage',
  hwGpuMemoryLimit: 'hw.gpu.memory.limit',
  hwPower: 'hw.power',
  thermalPressure: 'perimeter.thermal.pressure',
  cpuUtilization: 'system.cpu.utilization',
  memoryUtilization: 'system.memory.utilization',
  memoryUsage: 'system.memory.usage',
  filesystemUtilization: 'system.filesystem.utilization',
  filesystemUsage: 'system.filesystem.usage',
  uptime: 'system.uptime',
  driftCheck: 'perimeter.drift.check',
  authFailures: 'perimeter.auth.failures',
  // The agent counts itself (node_exporter's scrape_collector_* and Vector's buffer metrics).
  agentSamplerSuccess: 'perimeter.agent.sampler.success',
  agentSamplerDuration: 'perimeter.agent.sampler.duration',
  agentSpoolBatches: 'perimeter.agent.spool.batches',
  agentSpoolSize: 'perimeter.agent.spool.size',
  agentSpoolOldestAge: 'perimeter.agent.spool.oldest_age',
  agentSpoolDropped: 'perimeter.agent.spool.dropped',
  agentShipRetries: 'perimeter.agent.ship.retries',
  agentShipDeadLettered: 'perimeter.agent.ship.dead_lettered',
  /**
   * 1 while a followed source (the login log) is read, 0 while it is blind, with `source.name` and
   * `reason` (LoginSourceBlind fires on 0): a refused or missing source is never silently empty.
   */
  sourceUp: 'perimeter.source.up',
  /** The AI workload (ARCHITECTURE.md "The AI workload"): 1 per model on disk, and its size. */
  modelInfo: 'perimeter.model.info',
  modelSize: 'perimeter.model.size',
  /** Inference servers' own /metrics (llama-server, vLLM, TGI), scraped by the agent's `inference` sampler. */
  inferenceServerUp: 'perimeter.inference.server.up',
  inferenceServerTokens: 'perimeter.inference.server.tokens',
  inferenceServerRequests: 'perimeter.inference.server.requests',
  inferenceServerRequestsActive: 'perimeter.inference.server.requests.active',
  /** Seconds spent on finished requests, summed (with `…requests` it gives the mean latency). */
  inferenceServerRequestDuration: 'perimeter.inference.server.request.duration',
} as const;
export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];

/** UCUM units as the OTel semantic conventions give them. */
export const MetricUnits: Record<MetricName, string> = {
  'hw.temperature': 'Cel',
  'hw.fan.speed': 'rpm',
  'hw.temperature.limit': 'Cel',
  'hw.fan.speed.limit': 'rpm',
  'hw.gpu.utilization': '1',
  'hw.gpu.memory.usage': 'By',
  'hw.gpu.memory.limit': 'By',
  'hw.power': 'W',
  // Levels and pass/fail are not ratios: an annotation unit keeps the documented Prometheus names
  // (`perimeter_thermal_pressure`, `perimeter_drift_check`) where `1` would add `_ratio`.
  'perimeter.thermal.pressure': '{level}',
  'system.cpu.utilization': '1',
  'system.memory.utilization': '1',
  'system.memory.usage': 'By',
  'system.filesystem.utilization': '1',
  'system.filesystem.usage': 'By',
  'system.uptime': 's',
  'perimeter.drift.check': '{pass}',
  'perimeter.auth.failures': '{attempt}',
  'perimeter.agent.sampler.success': '{success}',
  'perimeter.agent.sampler.duration': 's',
  'perimeter.agent.spool.batches': '{batch}',
  'perimeter.agent.spool.size': 'By',
  'perimeter.agent.spool.oldest_age': 's',
  'perimeter.agent.spool.dropped': '{batch}',
  'perimeter.agent.ship.retries': '{attempt}',
  'perimeter.agent.ship.dead_lettered': '{batch}',
  // An annotation unit keeps `perimeter_source_up` (no `_ratio`).
  'perimeter.source.up': '{up}',
  // An annotation unit keeps the info-metric name `perimeter_model_info` (no `_ratio`).
  'perimeter.model.info': '{model}',
  'perimeter.model.size': 'By',
  'perimeter.inference.server.up': '{up}',
  'perimeter.inference.server.tokens': '{token}',
  'perimeter.inference.server.requests': '{request}',
  'perimeter.inference.server.requests.active': '{request}',
  'perimeter.inference.server.request.duration': 's',
};

/** Monotonic totals are counters (`_total` in Prometheus); everything else is a gauge. */
export const CounterMetricNames: ReadonlySet<MetricName> = new Set<MetricName>([
  'perimeter.auth.failures',
  'perimeter.agent.spool.dropped',
  'perimeter.agent.ship.retries',
  'perimeter.agent.ship.dead_lettered',
  'perimeter.inference.server.tokens',
  'perimeter.inference.server.requests',
  'perimeter.inference.server.request.duration',
]);

export const AttributeNames = {
  hwId: 'hw.id',
  hwName: 'hw.name',
  hwType: 'hw.type',
  /** semconv values: critical, high.critical, high.degraded, low.critical, low.degraded, max, turbo, throttled. */
  hwLimitType: 'hw.limit_type',
  cpuMode: 'cpu.mode',
  memoryState: 'system.memory.state',
  filesystemDevice: 'system.device',
  filesystemMountpoint: 'system.filesystem.mountpoint',
  filesystemType: 'system.filesystem.type',
  filesystemState: 'system.filesystem.state',
  eventName: 'event.name',
  lifecycleAction: 'agent.lifecycle.action',
  lifecycleDetail: 'agent.lifecycle.detail',
  droppedBatches: 'perimeter.spool.dropped_batches',
  authOutcome: 'auth.outcome',
  authMethod: 'auth.method',
  userName: 'user.name',
  sourceAddress: 'source.address',
  checkId: 'check.id',
  checkControls: 'check.controls',
  /** config.drift attributes, named as ARCHITECTURE.md's event contract spells them. */
  driftExpected: 'expected',
  driftObserved: 'observed',
  driftPrevious: 'previous',
  sourcePort: 'source.port',
  /** The program that logged a login event (sshd, sudo, loginwindow…). */
  processName: 'process.executable.name',
  /** thermal.state: the new and previous pressure level (0 nominal … 4 sleeping). */
  thermalPressureLevel: 'perimeter.thermal.pressure.level',
  thermalPressurePrevious: 'perimeter.thermal.pressure.previous',
  samplerName: 'perimeter.sampler',
  /** perimeter.source.up: the followed source (`logins:unified-log`…) and why it is down ('' when up). */
  sourceName: 'source.name',
  sourceReason: 'reason',
  /** perimeter.model.info / model.change / model.integrity (ARCHITECTURE.md "The AI workload"). */
  modelName: 'model.name',
  modelSource: 'model.source',
  /** The weights' SHA-256 (for Ollama the model layer's digest, not the manifest's). */
  modelDigest: 'model.digest',
  modelManifestDigest: 'model.manifest_digest',
  modelFormat: 'model.format',
  modelQuantization: 'model.quantization',
  modelParameters: 'model.parameters',
  modelPath: 'model.path',
  /** Extras beside the contract's: the architecture family and the digests of Ollama adapter/projector layers (comma-separated). */
  modelFamily: 'model.family',
  modelAdapters: 'model.adapters',
  modelProjectors: 'model.projectors',
  modelChange: 'model.change',
  modelPreviousDigest: 'model.previous_digest',
  /** model.integrity: the digest the file should have, the one it has, and the verdict. */
  integrityExpected: 'expected',
  integrityObserved: 'observed',
  integrityOutcome: 'outcome',
  /** inference.request (OTel HTTP and GenAI semantic conventions). Never prompt or completion text. */
  clientAddress: 'client.address',
  httpRequestMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpResponseStatusCode: 'http.response.status_code',
  httpRequestBodySize: 'http.request.body.size',
  httpResponseBodySize: 'http.response.body.size',
  /** Seconds, as semconv's `http.server.request.duration`. */
  httpServerRequestDuration: 'http.server.request.duration',
  genAiRequestModel: 'gen_ai.request.model',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
  /** The zone a log's zone-less local timestamps were read in (Ollama's [GIN] lines), e.g. `+01:00`. */
  logTimeZoneAssumed: 'log.time_zone.assumed',
  /** perimeter.inference.server.*: which server, where it answers, and the token direction/queue state. */
  inferenceServerKind: 'inference.server.kind',
  serverAddress: 'server.address',
  genAiTokenType: 'gen_ai.token.type',
  inferenceRequestState: 'inference.request.state',
} as const;

export const ResourceAttributeNames = {
  hostName: 'host.name',
  hostId: 'host.id',
  hostArch: 'host.arch',
  hostModel: 'host.model',
  osType: 'os.type',
  osVersion: 'os.version',
  serviceName: 'service.name',
  serviceVersion: 'service.version',
  nodeId: 'perimeter.node.id',
  streamId: 'perimeter.stream.id',
  /** Added by the collector's forward: the batch's X-Perimeter-Seq, so an archive can see gaps. */
  batchSeq: 'perimeter.batch.seq',
} as const;

export const EventNames = {
  authLogin: 'auth.login',
  configDrift: 'config.drift',
  agentLifecycle: 'agent.lifecycle',
  thermalState: 'thermal.state',
  modelChange: 'model.change',
  modelIntegrity: 'model.integrity',
  inferenceRequest: 'inference.request',
} as const;
export type EventName = (typeof EventNames)[keyof typeof EventNames];

export const LifecycleActions = {
  start: 'start',
  stop: 'stop',
  spoolOverflow: 'spool_overflow',
  /** A followed source became unreadable (refused, permission denied, not found), or readable again. */
  sourceDown: 'source_down',
  sourceUp: 'source_up',
  /** Events between two times may be missing from a source (recorded, since they cannot be refetched). */
  sourceGap: 'source_gap',
} as const;

/** Headers the agent adds to every OTLP request (ARCHITECTURE.md "Agent → collector"). */
export const PerimeterHeaders = {
  stream: 'x-perimeter-stream',
  seq: 'x-perimeter-seq',
} as const;

export const ServiceNames = {
  agent: 'perimeter-agent',
  collector: 'perimeter-collector',
} as const;

/** Self-metrics of the collector that dashboards and tests rely on. */
export const CollectorMetricNames = {
  ingestBatches: 'perimeter_ingest_batches_total',
  ingestPoints: 'perimeter_ingest_points_total',
  ingestEvents: 'perimeter_ingest_events_total',
  ingestGaps: 'perimeter_ingest_gaps_total',
  ingestRejects: 'perimeter_ingest_rejects_total',
  nodeLastSeen: 'perimeter_node_last_seen_timestamp_seconds',
  forwardLag: 'perimeter_forward_lag_seconds',
  forwardDropped: 'perimeter_forward_dropped_total',
  storeBytes: 'perimeter_store_bytes',
  forwardQueueBatches: 'perimeter_forward_queue_batches',
  forwardQueueBytes: 'perimeter_forward_queue_bytes',
  forwardSentBatches: 'perimeter_forward_sent_batches_total',
  forwardSentPoints: 'perimeter_forward_sent_points_total',
  forwardRetries: 'perimeter_forward_retries_total',
  forwardFailures: 'perimeter_forward_failures_total',
  forwardDeadLettered: 'perimeter_forward_dead_lettered_total',
  forwardDeadLetters: 'perimeter_forward_dead_letters',
  forwardPartialRejected: 'perimeter_forward_partial_rejected_total',
  storePruned: 'perimeter_store_pruned_batches_total',
  storeQuotaExceeded: 'perimeter_store_quota_exceeded',
  /** Newest sample time in a node's latest metrics batch minus its receive time (node clock ahead > 0). */
  ingestClockSkew: 'perimeter_ingest_clock_skew_seconds',
  alertsEvaluationSeconds: 'perimeter_alerts_evaluation_seconds',
  alertsActive: 'perimeter_alerts_active',
  /** Derived from inference.request / model.* events and perimeter.model.info (ARCHITECTURE.md "The AI workload"). */
  inferenceRequests: 'perimeter_inference_requests_total',
  inferenceTokens: 'perimeter_inference_tokens_total',
  modelIntegrityFailures: 'perimeter_model_integrity_failures_total',
  modelChanges: 'perimeter_model_changes_total',
  modelFleetOutlier: 'perimeter_model_fleet_outlier',
} as const;

export const DEFAULT_COLLECTOR_PORT = 4318;

/** `auth.login` value sets (ARCHITECTURE.md "Names"). */
export const AuthOutcomes = { success: 'success', failure: 'failure' } as const;
export type AuthOutcome = (typeof AuthOutcomes)[keyof typeof AuthOutcomes];

export const AuthMethods = {
  ssh: 'ssh',
  console: 'console',
  screensaver: 'screensaver',
  sudo: 'sudo',
  other: 'other',
} as const;
export type AuthMethod = (typeof AuthMethods)[keyof typeof AuthMethods];

/** `model.change` and `model.integrity` value sets (ARCHITECTURE.md "The AI workload"). */
export const ModelChanges = { added: 'added', removed: 'removed', replaced: 'replaced' } as const;
export type ModelChange = (typeof ModelChanges)[keyof typeof ModelChanges];

export const ModelSources = { ollama: 'ollama', huggingface: 'huggingface', gguf: 'gguf' } as const;

export const IntegrityOutcomes = { mismatch: 'mismatch', unreadable: 'unreadable' } as const;
