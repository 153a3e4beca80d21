import type { CommandResult } from '../../host/run-command.ts';
import type { MetricReading } from '../types.ts';

/**
 * What any no-root Apple-silicon reader (macmon, mactop) or the opt-in powermetrics gives, in one
 * shape, so the thermal, fans and gpu samplers do not care which tool answered. `fans: null` means
 * "this source has no fan data at all", which is not the same as "no fans".
 */
export type SensorSourceName = 'macmon serve' | 'macmon pipe' | 'mactop' | 'powermetrics';

export interface AppleSensors {
  source: SensorSourceName;
  temperatures: MetricReading[];
  fans: MetricReading[] | null;
  /** 0..1, GPU active residency. */
  gpuUtilization: number | null;
  /** perimeter.thermal.pressure level, when the source knows it. */
  pressureLevel: number | null;
  power: MetricReading[];
}

export type SourceOutcome =
  | { status: 'ok'; sensors: AppleSensors }
  | { status: 'missing'; reason: string }
  | { status: 'error'; error: Error };

/** The shared reading of a command that did not answer: missing when absent, else an error. */
export function commandProblem(
  what: string,
  result: Exclude<CommandResult, { status: 'ok' }>,
  missingReason: string,
): SourceOutcome {
  switch (result.status) {
    case 'not-found':
      return { status: 'missing', reason: missingReason };
    case 'timeout':
      return { status: 'error', error: new Error(`${what} timed out after ${result.afterMs} ms`) };
    case 'failed': {
      const firstLine =
        result.stderr
          .split('\n')
          .find((l) => l.trim() !== '')
          ?.trim() || '(no stderr)';
      return {
        status: 'error',
        error: new Error(`${what} exited with ${result.exitCode ?? 'a signal'}: ${firstLine}`),
      };
    }
  }
}

export function parsedOrError(what: string, parse: () => AppleSensors): SourceOutcome {
  try {
    return { status: 'ok', sensors: parse() };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { status: 'error', error: new Error(`${what} output unreadable: ${why}`) };
  }
}
