import { AttributeNames, EventNames, MetricNames } from '@perimeter/schema';
import type { EventReading, MetricReading, Sampler, SamplerContext } from '../types.ts';
import { type DriftBaseline, defaultDriftBaseline, loadDriftBaseline } from './baseline.ts';
import { type CheckOutcome, type DriftCheck, formatControls } from './check.ts';
import { allDriftChecks } from './checks/index.ts';
import { runChecks } from './evaluate.ts';
import { createHostProbe, type HostProbe } from './host-probe.ts';
import { createSocketOwnerCache } from './socket-owners.ts';
import { createMemoryDriftStateStore, type DriftState, type DriftStateStore } from './state.ts';

/**
 * The drift sampler. Checks run at most every `intervalMs` (default 5 min: some run programs,
 * and configuration changes slowly); the 10 s rounds in between repeat the last gauges so the
 * series stays continuous, and emit no events. Gauges: `perimeter.drift.check` 1 pass / 0 fail
 * per check (none for skipped or error), attributes `check.id` and `check.controls`
 * ("SOC2:CC6.6,ISO27001:A.8.20"). Events: `config.drift` when a check's observed value or status
 * differs from the stored previous result, INCLUDING its first observation on this node
 * (`previous` = ""), so the collector learns every node's value once; the state store makes that
 * once per node, not once per restart.
 */

export const DRIFT_SAMPLER_NAME = 'drift';
export const DEFAULT_DRIFT_INTERVAL_MS = 5 * 60_000;

export interface DriftSamplerOptions {
  /** A parsed baseline or the path of a YAML one (loaded now: a bad file fails at start-up). */
  baseline?: DriftBaseline | string | undefined;
  state?: DriftStateStore | undefined;
  isRoot?: boolean | undefined;
  uid?: number | undefined;
  checks?: readonly DriftCheck[] | undefined;
  intervalMs?: number | undefined;
  probe?: HostProbe | undefined;
  timeoutMs?: number | undefined;
  concurrency?: number | undefined;
  /** Privileged job label → its output file (config `drift.remoteLoginFile`, `drift.listenersFile`). */
  privilegedOutputs?: Readonly<Record<string, string>> | undefined;
}

export interface DriftSampler extends Sampler {
  /** The outcomes of the latest run (empty before the first), e.g. for `captureBaseline`. */
  outcomes(): readonly CheckOutcome[];
}

export function createDriftSampler(context: SamplerContext, options: DriftSamplerOptions = {}): DriftSampler {
  const baseline =
    typeof options.baseline === 'string'
      ? loadDriftBaseline(options.baseline, options.checks)
      : (options.baseline ?? defaultDriftBaseline);
  const checks = options.checks ?? allDriftChecks;
  const controlsById = new Map(checks.map((check) => [check.id, formatControls(check.controls)]));
  const state = options.state ?? createMemoryDriftStateStore();
  const uid = options.uid ?? -1;
  const isRoot = options.isRoot ?? uid === 0;
  const intervalMs = options.intervalMs ?? DEFAULT_DRIFT_INTERVAL_MS;
  const probe = options.probe ?? createHostProbe(context.fs.root);
  const socketOwners = createSocketOwnerCache();
  let last: { atMs: number; outcomes: CheckOutcome[]; readings: MetricReading[] } | undefined;

  const gauges = (outcomes: readonly CheckOutcome[]): MetricReading[] =>
    outcomes.flatMap((outcome) =>
      outcome.status === 'pass' || outcome.status === 'fail'
        ? [
            {
              metric: MetricNames.driftCheck,
              value: outcome.status === 'pass' ? 1 : 0,
              attributes: {
                [AttributeNames.checkId]: outcome.id,
                [AttributeNames.checkControls]: controlsById.get(outcome.id) ?? '',
              },
            },
          ]
        : [],
    );

  const changes = (outcomes: readonly CheckOutcome[], previous: DriftState, timeMs: number): EventReading[] =>
    outcomes.flatMap((outcome) => {
      const before = previous[outcome.id];
      if (before && before.observed === outcome.observed && before.status === outcome.status) return [];
      const was = before ? `${before.status} "${before.observed ?? ''}"` : 'first observation';
      return [
        {
          event: EventNames.configDrift,
          timeMs,
          body: `${outcome.id}: ${outcome.status} "${outcome.observed ?? ''}" (expected ${outcome.expected}; was ${was})${outcome.reason ? `: ${outcome.reason}` : ''}`,
          severity: outcome.status === 'fail' ? 'warn' : outcome.status === 'error' ? 'error' : 'info',
          attributes: {
            [AttributeNames.checkId]: outcome.id,
            [AttributeNames.checkControls]: controlsById.get(outcome.id) ?? '',
            [AttributeNames.driftExpected]: outcome.expected,
            [AttributeNames.driftObserved]: outcome.observed ?? '',
            [AttributeNames.driftPrevious]: before?.observed ?? '',
          },
        },
      ];
    });

  return {
    name: DRIFT_SAMPLER_NAME,
    outcomes: () => last?.outcomes ?? [],
    async collect() {
      const now = context.clock.nowMs();
      // A clock that jumped backwards re-runs rather than waiting out the jump.
      if (last && now >= last.atMs && now - last.atMs < intervalMs) {
        return { status: 'ok', readings: last.readings };
      }
      try {
        const outcomes = await runChecks(checks, context, baseline, {
          isRoot,
          uid,
          probe,
          timeoutMs: options.timeoutMs,
          concurrency: options.concurrency,
          privilegedOutputs: options.privilegedOutputs,
          socketOwners,
        });
        for (const outcome of outcomes) {
          if (outcome.status === 'error')
            context.log.warn({ check: outcome.id, reason: outcome.reason }, 'drift check failed to run');
        }
        const previous = state.load();
        const events = changes(outcomes, previous, now);
        const next: DriftState = { ...previous };
        for (const outcome of outcomes)
          next[outcome.id] = { observed: outcome.observed, status: outcome.status };
        state.save(next);
        last = { atMs: now, outcomes, readings: gauges(outcomes) };
        return { status: 'ok', readings: last.readings, events };
      } catch (error) {
        return { status: 'error', error: error instanceof Error ? error : new Error(String(error)) };
      }
    },
  };
}
