import { AttributeNames, LifecycleActions, MetricNames } from '@perimeter/schema';
import type { SourceHealth } from '../samplers/source-health.ts';
import type { MetricReading } from '../samplers/types.ts';

/**
 * The agent's record of each followed source's health (source-health.ts). Every change is an
 * `agent.lifecycle` event (`source_down` with the reason and the fix, `source_up`), and each round
 * exports `perimeter.source.up{source.name, reason}`: one series per reason the source has had,
 * 0 while it is the current reason, 1 otherwise, plus `reason=""` for the source as a whole. So a
 * series that once said "refused" says 1 when the source reads again instead of going stale at 0.
 */
export interface SourceHealthEvent {
  attributes: Record<string, string>;
  body: string;
  severity: 'info' | 'warn';
}

export interface SourceHealthTracker {
  /** The lifecycle event to spool when this is a change, or null when nothing changed. */
  report(source: string, health: SourceHealth): SourceHealthEvent | null;
  gap(source: string, gap: { fromMs: number; toMs: number; detail: string }): SourceHealthEvent;
  readings(): MetricReading[];
}

export function createSourceHealthTracker(): SourceHealthTracker {
  const current = new Map<string, SourceHealth>();
  const reasonsSeen = new Map<string, Set<string>>();
  const lifecycle = (action: string, detail: string) => ({
    [AttributeNames.lifecycleAction]: action,
    [AttributeNames.lifecycleDetail]: detail,
  });
  return {
    report(source, health) {
      const before = current.get(source);
      current.set(source, health);
      if (!health.up) reasonsSeen.set(source, (reasonsSeen.get(source) ?? new Set()).add(health.reason));
      const same =
        before !== undefined &&
        before.up === health.up &&
        (health.up || (!before.up && before.reason === health.reason));
      // The first `up` is the normal start and is not an event; every down and every recovery is.
      if (same || (before === undefined && health.up)) return null;
      if (health.up) {
        return {
          attributes: {
            ...lifecycle(LifecycleActions.sourceUp, `${source}: ${health.detail}`),
            [AttributeNames.sourceName]: source,
          },
          body: `${source} readable again: ${health.detail}`,
          severity: 'info',
        };
      }
      return {
        attributes: {
          ...lifecycle(LifecycleActions.sourceDown, `${source}: ${health.detail}; fix: ${health.fix}`),
          [AttributeNames.sourceName]: source,
          [AttributeNames.sourceReason]: health.reason,
        },
        body: `${source} blind (${health.reason}): ${health.detail}. Fix: ${health.fix}`,
        severity: 'warn',
      };
    },
    gap(source, gap) {
      const from = new Date(gap.fromMs).toISOString();
      const to = new Date(gap.toMs).toISOString();
      return {
        attributes: {
          ...lifecycle(LifecycleActions.sourceGap, `${source}: ${from} to ${to}: ${gap.detail}`),
          [AttributeNames.sourceName]: source,
        },
        body: `${source}: events from ${from} to ${to} may be missing (${gap.detail})`,
        severity: 'warn',
      };
    },
    readings() {
      const readings: MetricReading[] = [];
      for (const [source, health] of current) {
        const name = { [AttributeNames.sourceName]: source };
        readings.push({
          metric: MetricNames.sourceUp,
          value: health.up ? 1 : 0,
          attributes: { ...name, [AttributeNames.sourceReason]: '' },
        });
        for (const reason of reasonsSeen.get(source) ?? []) {
          readings.push({
            metric: MetricNames.sourceUp,
            value: !health.up && health.reason === reason ? 0 : 1,
            attributes: { ...name, [AttributeNames.sourceReason]: reason },
          });
        }
      }
      return readings;
    },
  };
}
