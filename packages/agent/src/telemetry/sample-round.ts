import type { Clock, Sleeper } from '../host/clock.ts';
import type { EventReading, Logger, MetricReading, Sampler } from '../samplers/types.ts';

/**
 * Runs every enabled sampler once, concurrently, each under its own deadline, and never throws:
 * one slow or broken sampler must not cost the node its other readings (node_exporter's
 * per-collector success). Failures are counted every round but logged as one warning per problem:
 * the first failure of a sampler warns, repeats with the same status and reason go to debug, a
 * changed reason warns again, and the first good round after failures logs one info with how many
 * rounds failed (the "one warning — never a log flood"). `not-available-here` is expected on
 * many hosts and is logged at debug, once per sampler. Non-finite values are dropped here, so the
 * SDK and the collector only ever see numbers.
 */
export type SamplerStatus = 'ok' | 'not-available-here' | 'error' | 'timeout';

export interface SamplerOutcome {
  name: string;
  status: SamplerStatus;
  durationMs: number;
  readings: number;
  /** Readings dropped because their value was NaN or infinite. */
  dropped: number;
  reason?: string;
}

export interface SampleRound {
  readings: MetricReading[];
  events: EventReading[];
  outcomes: SamplerOutcome[];
}

export interface SampleRunnerOptions {
  samplers: readonly Sampler[];
  clock: Clock;
  sleep: Sleeper['sleep'];
  log: Logger;
  timeoutMs: number;
}

export interface SampleRunner {
  run(): Promise<SampleRound>;
  /** Failed or timed-out runs per sampler since start. */
  failures(): Record<string, number>;
}

/** The failure streak of one sampler: how many rounds in a row, and the last reason logged. */
interface FailureStreak {
  count: number;
  reason: string;
}

type Settled = { kind: 'result'; value: Awaited<ReturnType<Sampler['collect']>> } | { kind: 'timeout' };

export function createSampleRunner(options: SampleRunnerOptions): SampleRunner {
  const { clock, log, timeoutMs } = options;
  const failures: Record<string, number> = {};
  const reportedUnavailable = new Set<string>();
  const streaks = new Map<string, FailureStreak>();

  const logOutcome = (outcome: SamplerOutcome): void => {
    const streak = streaks.get(outcome.name);
    if (outcome.status === 'error' || outcome.status === 'timeout') {
      const reason = `${outcome.status}: ${outcome.reason ?? ''}`;
      const fields = { sampler: outcome.name, status: outcome.status, reason: outcome.reason };
      if (streak === undefined || streak.reason !== reason) {
        log.warn(fields, 'sampler failed');
      } else {
        log.debug({ ...fields, consecutive: streak.count + 1 }, 'sampler failed again');
      }
      streaks.set(outcome.name, { count: (streak?.count ?? 0) + 1, reason });
    } else if (streak !== undefined) {
      // ok, or nothing to read any more: either way the failure has stopped.
      streaks.delete(outcome.name);
      log.info(
        { sampler: outcome.name, status: outcome.status, failures: streak.count },
        `sampler recovered after ${streak.count} ${streak.count === 1 ? 'failure' : 'failures'}`,
      );
    }
  };

  const runOne = async (sampler: Sampler, round: SampleRound): Promise<void> => {
    const started = clock.nowMs();
    const deadline = new AbortController();
    const settled = await Promise.race<Settled>([
      collectSafely(sampler).then((value) => ({ kind: 'result', value })),
      options.sleep(timeoutMs, deadline.signal).then(() => ({ kind: 'timeout' })),
    ]);
    deadline.abort();
    const outcome: SamplerOutcome = {
      name: sampler.name,
      status: 'timeout',
      durationMs: 0,
      readings: 0,
      dropped: 0,
    };
    outcome.durationMs = Math.max(0, clock.nowMs() - started);
    if (settled.kind === 'timeout') {
      outcome.reason = `no answer within ${timeoutMs} ms`;
    } else if (settled.value.status === 'ok') {
      outcome.status = 'ok';
      for (const reading of settled.value.readings) {
        if (Number.isFinite(reading.value)) {
          round.readings.push(reading);
          outcome.readings += 1;
        } else {
          outcome.dropped += 1;
        }
      }
      round.events.push(...(settled.value.events ?? []));
    } else if (settled.value.status === 'not-available-here') {
      outcome.status = 'not-available-here';
      outcome.reason = settled.value.reason;
      if (!reportedUnavailable.has(sampler.name)) {
        reportedUnavailable.add(sampler.name);
        log.debug(
          { sampler: sampler.name, reason: outcome.reason },
          'sampler has nothing to read on this host',
        );
      }
    } else {
      outcome.status = 'error';
      outcome.reason = settled.value.error.message;
    }
    if (outcome.status === 'error' || outcome.status === 'timeout') {
      failures[sampler.name] = (failures[sampler.name] ?? 0) + 1;
    }
    logOutcome(outcome);
    if (outcome.dropped > 0) {
      log.debug({ sampler: sampler.name, dropped: outcome.dropped }, 'dropped non-finite readings');
    }
    round.outcomes.push(outcome);
  };

  return {
    async run() {
      const round: SampleRound = { readings: [], events: [], outcomes: [] };
      await Promise.all(options.samplers.map((sampler) => runOne(sampler, round)));
      const order = new Map(options.samplers.map((sampler, index) => [sampler.name, index]));
      round.outcomes.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
      return round;
    },
    failures: () => ({ ...failures }),
  };
}

async function collectSafely(sampler: Sampler): ReturnType<Sampler['collect']> {
  try {
    return await sampler.collect();
  } catch (error) {
    return { status: 'error', error: error instanceof Error ? error : new Error(String(error)) };
  }
}
