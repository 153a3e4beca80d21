import { readFileSync } from 'node:fs';
import { type CollectorConfig, CollectorMetricNames, ConfigError } from '@perimeter/schema';
import { Gauge, type Registry } from 'prom-client';
import type { StoredBatchEvent } from '../ingest/routes.ts';
import type { Store } from '../store/store.ts';
import type { AlertStore } from './alert-store.ts';
import { createDispatcher, type Dispatcher } from './dispatcher.ts';
import { type AlertEngine, createAlertEngine, startEvaluationLoop } from './engine.ts';
import { DEFAULT_RULES_FILE, loadRuleFiles } from './load-rules.ts';
import { createAlertmanagerTarget, type NotifyTarget } from './notify-alertmanager.ts';
import { createWebhookTarget } from './notify-webhook.ts';
import { LOOKBACK_DELTA_MS } from './range-functions.ts';
import type { Rule } from './rule-model.ts';
import { createSampleWindow } from './sample-window.ts';

/**
 * Wires alerting into `serve`: rules from config (or the default pack), the sample window over the
 * store and the collector's registry, the notifiers, and the evaluation loop. Also owns the
 * ingest clock-skew gauge the ClockSkew rule reads, fed from each stored metrics batch.
 */
export interface AlertingService {
  engine: AlertEngine;
  store: AlertStore;
  dispatcher: Dispatcher;
  stop(): Promise<void>;
}

export interface AlertingDeps {
  config: CollectorConfig;
  store: Store;
  registry: Registry;
  url: string;
  nowMs: () => number;
  log: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export function ruleFilesOf(config: CollectorConfig): string[] {
  const files = config.alerting?.rules ?? [];
  return files.length > 0 ? files : [DEFAULT_RULES_FILE];
}

/** Names the rules read: the selector, threshold series and condition metrics. */
export function metricsReadBy(rules: readonly Rule[]): Set<string> {
  const names = new Set<string>();
  for (const rule of rules) {
    names.add(rule.selector.metric);
    if (typeof rule.threshold !== 'number') {
      names.add(rule.threshold.metric);
    }
    for (const condition of [rule.and, rule.unless]) {
      if (condition) {
        names.add(condition.selector.metric);
      }
    }
  }
  return names;
}

/** How far back the window must reach: the longest window, or the instant lookback. */
export function retentionFor(rules: readonly Rule[]): number {
  let longest = LOOKBACK_DELTA_MS;
  for (const ms of retentionByMetric(rules).values()) {
    longest = Math.max(longest, ms);
  }
  return longest;
}

/**
 * The same per metric: a rule comparing inference volume with its day-long baseline keeps a day
 * of that counter, not a day of every temperature sensor.
 */
export function retentionByMetric(rules: readonly Rule[]): Map<string, number> {
  const byMetric = new Map<string, number>();
  const keep = (metric: string, window: number | undefined) => {
    byMetric.set(metric, Math.max(byMetric.get(metric) ?? LOOKBACK_DELTA_MS, window ?? LOOKBACK_DELTA_MS));
  };
  for (const rule of rules) {
    keep(rule.selector.metric, rule.window);
    if (typeof rule.threshold !== 'number') {
      keep(rule.threshold.metric, rule.threshold.window);
    }
    for (const condition of [rule.and, rule.unless]) {
      if (condition) {
        keep(condition.selector.metric, condition.window);
      }
    }
  }
  return byMetric;
}

export function buildTargets(
  config: CollectorConfig,
  env: NodeJS.ProcessEnv,
  nowMs: () => number,
): NotifyTarget[] {
  const alerting = config.alerting;
  if (!alerting) {
    return [];
  }
  const targets: NotifyTarget[] = alerting.alertmanager.map((url) =>
    createAlertmanagerTarget(url, alerting.notifyTimeout),
  );
  alerting.webhooks.forEach((webhook, index) => {
    let secret = webhook.secret;
    if (webhook.secretEnv !== undefined) {
      secret = env[webhook.secretEnv];
      if (secret === undefined || secret === '') {
        throw new ConfigError(`alerting.webhooks.${index}.secretEnv`, `${webhook.secretEnv} is not set`);
      }
    }
    if (webhook.secretFile !== undefined) {
      try {
        secret = readFileSync(webhook.secretFile, 'utf8').trim();
      } catch (error) {
        throw new ConfigError(`alerting.webhooks.${index}.secretFile`, (error as Error).message);
      }
    }
    targets.push(createWebhookTarget(webhook.url, secret, alerting.notifyTimeout, nowMs));
  });
  return targets;
}

export function registerClockSkewGauge(
  registry: Registry,
  nowMs: () => number,
): (event: StoredBatchEvent) => void {
  const skewByNode = new Map<string, number>();
  new Gauge({
    name: CollectorMetricNames.ingestClockSkew,
    help: "Newest sample time in the node's latest metrics batch minus the time it was received, in seconds (> 0: node clock ahead).",
    labelNames: ['node'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [node, seconds] of skewByNode) {
        this.set({ node }, seconds);
      }
    },
  });
  return (event) => {
    if (event.signal !== 'metrics' || event.outcome.outcome !== 'stored') {
      return;
    }
    if (event.newestPointTimeMs !== null) {
      skewByNode.set(event.nodeId, (event.newestPointTimeMs - nowMs()) / 1000);
    }
  };
}

export function startAlerting(deps: AlertingDeps): AlertingService {
  const alerting = deps.config.alerting;
  const ruleSet = loadRuleFiles(ruleFilesOf(deps.config));
  const intervalMs = alerting?.evaluationInterval ?? 15_000;
  const resendMs = alerting?.resendInterval ?? 60_000;
  const store = deps.store.alerts;
  const dispatcher = createDispatcher({
    targets: buildTargets(deps.config, process.env, deps.nowMs),
    store,
    nowMs: deps.nowMs,
  });
  const window = createSampleWindow({
    store: deps.store,
    series: deps.store.series,
    registry: deps.registry,
    metrics: metricsReadBy(ruleSet.rules),
    retentionMs: retentionFor(ruleSet.rules) + intervalMs,
    retentionByMetric: new Map(
      [...retentionByMetric(ruleSet.rules)].map(([metric, ms]) => [metric, ms + intervalMs]),
    ),
    nowMs: deps.nowMs(),
  });
  const engine = createAlertEngine({
    rules: ruleSet.rules,
    source: window,
    store,
    dispatcher,
    intervalMs,
    resendMs,
    externalUrl: alerting?.externalUrl ?? deps.url,
    log: deps.log,
  });
  const evaluationSeconds = new Gauge({
    name: CollectorMetricNames.alertsEvaluationSeconds,
    help: 'Wall time of the last alert evaluation cycle, in seconds.',
    registers: [deps.registry],
  });
  new Gauge({
    name: CollectorMetricNames.alertsActive,
    help: 'Alerts by state (pending, firing, inactive = resolved and still re-sent).',
    labelNames: ['state'] as const,
    registers: [deps.registry],
    collect() {
      this.reset();
      for (const state of ['pending', 'firing', 'inactive'] as const) {
        this.set({ state }, 0);
      }
      for (const alert of engine.alerts()) {
        this.inc({ state: alert.state });
      }
    },
  });
  const loop = startEvaluationLoop(
    {
      alerts: engine.alerts,
      evaluate: async (tMs) => {
        const result = await engine.evaluate(tMs);
        evaluationSeconds.set(result.durationMs / 1000);
        return result;
      },
    },
    intervalMs,
    deps.nowMs,
    (error) => deps.log.error({ err: error }, 'alert evaluation cycle failed'),
  );
  return {
    engine,
    store,
    dispatcher,
    async stop() {
      await loop.stop();
      // A hanging notifier must not hold shutdown past systemd's stop timeout: what is not sent
      // now goes out after the restart, driven by the persisted alert state.
      await dispatcher.close();
    },
  };
}
