import type { AlertStore } from './alert-store.ts';
import type { Dispatcher } from './dispatcher.ts';
import { evaluateRule } from './evaluate.ts';
import { type OutgoingAlert, toOutgoingAlert } from './notify-alertmanager.ts';
import { type Rule, ruleKey } from './rule-model.ts';
import type { SeriesSource } from './series-source.ts';
import { type AlertInstance, needsSending, stepRule, type Transition } from './state.ts';

/**
 * One evaluation cycle: read new data, evaluate every rule at the same instant, advance the
 * states, persist states + history in one transaction, then hand what needs sending to the
 * dispatcher. Persist-then-send: a crash between the two loses at most one send, which the next
 * resend repeats; the opposite order could page twice after a restart.
 */
export interface AlertEngineOptions {
  rules: readonly Rule[];
  source: SeriesSource & { advance?(tMs: number): Promise<void> };
  store: AlertStore;
  dispatcher?: Dispatcher | undefined;
  intervalMs: number;
  resendMs: number;
  externalUrl: string;
  log?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export interface CycleResult {
  tMs: number;
  transitions: Transition[];
  sent: OutgoingAlert[];
  durationMs: number;
}

export interface AlertEngine {
  evaluate(tMs: number): Promise<CycleResult>;
  alerts(): AlertInstance[];
}

export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const byRule = new Map<string, Map<string, AlertInstance>>();
  for (const rule of options.rules) {
    byRule.set(ruleKey(rule), new Map());
  }
  const orphans: AlertInstance[] = [];
  for (const alert of options.store.loadStates()) {
    const map = byRule.get(alert.ruleKey);
    if (map) {
      map.set(alert.fingerprint, alert);
    } else {
      orphans.push(alert);
    }
  }
  if (orphans.length > 0) {
    // Rules removed from the configuration: their alerts go, without a resolve to send.
    options.store.saveCycle([], orphans, []);
  }
  const validForMs = 4 * Math.max(options.intervalMs, options.resendMs);

  return {
    async evaluate(tMs) {
      const started = performance.now();
      await options.source.advance?.(tMs);
      const transitions: Transition[] = [];
      for (const rule of options.rules) {
        const active = byRule.get(ruleKey(rule)) as Map<string, AlertInstance>;
        let result: ReturnType<typeof evaluateRule>;
        try {
          result = evaluateRule(rule, options.source, tMs);
        } catch (error) {
          options.log?.error({ err: error, rule: rule.name }, 'alert rule evaluation failed');
          continue;
        }
        transitions.push(...stepRule(rule, active, result, tMs));
      }
      const sent: OutgoingAlert[] = [];
      const all: AlertInstance[] = [];
      for (const active of byRule.values()) {
        for (const alert of active.values()) {
          all.push(alert);
          if (needsSending(alert, tMs, options.resendMs)) {
            alert.lastSentAtMs = tMs;
            sent.push(toOutgoingAlert(alert, tMs, validForMs, options.externalUrl));
          }
        }
      }
      const removed = transitions.filter((t) => t.to === 'forgotten').map((t) => t.alert);
      options.store.saveCycle(all, removed, transitions);
      options.dispatcher?.dispatch(sent);
      return { tMs, transitions, sent, durationMs: performance.now() - started };
    },
    alerts: () => [...byRule.values()].flatMap((active) => [...active.values()]),
  };
}

/** Runs cycles every intervalMs, never two at once; stop() waits for the one in progress. */
export function startEvaluationLoop(
  engine: AlertEngine,
  intervalMs: number,
  nowMs: () => number,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = engine
      .evaluate(nowMs())
      .catch(onError)
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, intervalMs);
        }
      });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
