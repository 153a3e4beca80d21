// The agent's public surface: the durable path's factories and their types, named one by one.
export type { AgentCommand, LoadAgentConfigOptions, ParsedArgs } from './config.ts';
export { defaultNodeId, loadAgentConfig, parseAgentArgs, requireToken } from './config.ts';
export type { CliIo } from './main.ts';
export { runCli } from './main.ts';
export type { SendTarget } from './ship/send-batch.ts';
export type { Shipper, ShipperOptions, ShipperStats } from './ship/shipper.ts';
export { createShipper, defaultBackoffPolicy } from './ship/shipper.ts';
export { createTimerSleeper } from './ship/sleep.ts';
export type { SpoolErrorCode } from './spool/errors.ts';
export { SpoolError } from './spool/errors.ts';
export { openSpool } from './spool/spool.ts';
export type {
  DeadLetter,
  OpenSpoolOptions,
  OverflowReport,
  Spool,
  SpooledBatch,
  SpoolSignal,
  SpoolStats,
} from './spool/types.ts';
export { createAgent } from './telemetry/agent.ts';
export type { Agent, AgentDeps, AgentSummary, TickResult } from './telemetry/agent-types.ts';
export { DEFAULT_SAMPLER_TIMEOUT_MS } from './telemetry/agent-types.ts';
export type { AgentEvents, EmitOptions } from './telemetry/logger.ts';
export type { AgentResourceInput, HostFacts } from './telemetry/resource.ts';
export type { SampleRound, SamplerOutcome } from './telemetry/sample-round.ts';
