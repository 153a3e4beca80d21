import type { AgentConfig } from '@perimeter/schema';
import { MACOS_LISTENERS_JOB, MACOS_REMOTE_LOGIN_JOB } from '../../privileged/macos-privileged-jobs.ts';
import type { SamplerStateStore } from '../state-store.ts';
import type { SourceDefinition } from '../types.ts';
import { driftProbeRows } from './probe-rows.ts';
import { createDriftSampler, DRIFT_SAMPLER_NAME } from './sampler.ts';
import type { DriftState, DriftStateStore } from './state.ts';

/**
 * Configuration drift checks as data (checks/*.ts), judged against an operator baseline
 * (baseline.ts) and reported as `perimeter.drift.check` gauges and `config.drift` events
 * (sampler.ts). The definition takes the baseline file and interval from the agent config
 * (`drift`) and keeps the last results in the spool (context.state), so a restart
 * does not announce every check again.
 */
const DRIFT_STATE = 'drift:state';

/** The drift results kept as one staged cursor (samplers/state-store.ts says why staged). */
function driftStateFrom(store: SamplerStateStore): DriftStateStore {
  return {
    load() {
      const saved = store.read(DRIFT_STATE);
      if (saved === null) return {};
      try {
        return JSON.parse(saved) as DriftState;
      } catch {
        return {};
      }
    },
    save: (state) => store.stage(DRIFT_STATE, JSON.stringify(state)),
  };
}

export const DRIFT_NOT_REPLAYABLE =
  'not replayable from a capture (drift checks also read file ages and the agent’s own user)';

/** `drift.remoteLoginFile` / `drift.listenersFile`: where config moved a root job's file (label → path). */
function privilegedOutputs(drift: AgentConfig['drift']): Record<string, string> {
  return {
    ...(drift.remoteLoginFile === undefined ? {} : { [MACOS_REMOTE_LOGIN_JOB.label]: drift.remoteLoginFile }),
    ...(drift.listenersFile === undefined ? {} : { [MACOS_LISTENERS_JOB.label]: drift.listenersFile }),
  };
}

export const driftSourceDefinition: SourceDefinition<'drift'> = {
  name: DRIFT_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['darwin', 'linux'],
  configKey: 'drift',
  notReplayable: DRIFT_NOT_REPLAYABLE,
  createSampler: (context, drift) =>
    createDriftSampler(context, {
      uid: process.getuid?.() ?? -1,
      baseline: drift.baseline,
      intervalMs: drift.interval,
      privilegedOutputs: privilegedOutputs(drift),
      ...(context.state === undefined ? {} : { state: driftStateFrom(context.state) }),
    }),
  probeRows: (context, drift) =>
    driftProbeRows({
      root: context.fs.root,
      platform: context.platform,
      isRoot: process.getuid?.() === 0,
      privilegedOutputs: privilegedOutputs(drift),
      nowMs: context.clock.nowMs(),
    }),
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
