import type { SamplerDefinition } from '../types.ts';
import { createDriftSampler, DRIFT_SAMPLER_NAME } from './sampler.ts';

/**
 * Configuration drift checks as data (checks/*.ts), judged against an operator baseline
 * (baseline.ts) and reported as `perimeter.drift.check` gauges and `config.drift` events
 * (sampler.ts). The default definition uses each check's own expectation, in-memory state and the
 * process uid; the agent wires a baseline file and a persistent state store through
 * `createDriftSampler`.
 */
export const driftSamplerDefinition: SamplerDefinition = {
  name: DRIFT_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['darwin', 'linux'],
  create: (context) => createDriftSampler(context, { uid: process.getuid?.() ?? -1 }),
};

export type { DriftBaseline } from './baseline.ts';
export {
  captureBaseline,
  defaultDriftBaseline,
  driftBaselineSchema,
  loadDriftBaseline,
  parseDriftBaseline,
} from './baseline.ts';
export type {
  CheckOutcome,
  CheckSource,
  CheckStatus,
  DriftCheck,
  DriftParams,
  Expectation,
  ListenerRule,
  RawRead,
  WorkspaceDir,
} from './check.ts';
export { CheckNotApplicable, CheckParseError, formatControls } from './check.ts';
export { allDriftChecks, checksForPlatform } from './checks/index.ts';
export type { RunChecksOptions } from './evaluate.ts';
export { runChecks } from './evaluate.ts';
export type { HostProbe } from './host-probe.ts';
export { createHostProbe } from './host-probe.ts';
export type { DriftSampler, DriftSamplerOptions } from './sampler.ts';
export { createDriftSampler, DEFAULT_DRIFT_INTERVAL_MS, DRIFT_SAMPLER_NAME } from './sampler.ts';
export type { DriftState, DriftStateEntry, DriftStateStore } from './state.ts';
export { createMemoryDriftStateStore } from './state.ts';
