import { AuthMethods, AuthOutcomes, CollectorMetricNames, ModelChanges } from '@perimeter/schema';
import { Counter, Gauge, type Registry } from 'prom-client';
import { summarizeFleetDrift } from '../derive/fleet-drift-summary.ts';
import { DerivedMetricNames } from '../derive/metric-names.ts';
import { readModelInventory } from '../derive/model-inventory.ts';
import type { DerivedReads } from '../store/derived-rows.ts';
import type { Store } from '../store/store.ts';

/**
 * Event-derived series for /metrics, read from their tables at scrape time: the counts are
 * durable (a restart continues from the stored total instead of resetting), and the registry
 * reserves these names so a node-sent series of the same name cannot shadow them. Labels are
 * bounded: node, a fixed method/outcome set, check ids; never users or addresses.
 */
export function registerDerivedMetrics(registry: Registry, store: Store): void {
  const { derived } = store;
  new Counter({
    name: DerivedMetricNames.authFailures,
    help: 'Failed logins per node and method, from auth.login events (unknown methods count as other).',
    labelNames: ['node', 'auth_method'] as const,
    registers: [registry],
    collect() {
      this.reset();
      // Every known node starts at 0 for every method: a counter that first appears at N shows no
      // increase (in Prometheus and in our rules alike), so a node's first burst would go unseen.
      for (const node of derived.knownNodeIds()) {
        for (const method of Object.values(AuthMethods)) this.inc({ node, auth_method: method }, 0);
      }
      for (const row of derived.authLoginCounts()) {
        if (row.outcome === 'failure') {
          this.inc({ node: row.nodeId, auth_method: row.authMethod }, row.count);
        }
      }
    },
  });
  new Counter({
    name: DerivedMetricNames.authLogins,
    help: 'Logins per node and outcome (success, failure), from auth.login events.',
    labelNames: ['node', 'outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const node of derived.knownNodeIds()) {
        for (const outcome of Object.values(AuthOutcomes)) this.inc({ node, outcome }, 0);
      }
      for (const row of derived.authLoginCounts()) {
        this.inc({ node: row.nodeId, outcome: row.outcome }, row.count);
      }
    },
  });
  new Gauge({
    name: DerivedMetricNames.driftFleetOutlier,
    help: 'Per node and check: 1 when the node observes a value other than the fleet majority, else 0 (also 0 for all nodes when the top values tie).',
    labelNames: ['node', 'check_id'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const check of summarizeFleetDrift(derived.driftObservations())) {
        for (const observation of check.observations) {
          const isOutlier = check.majority !== null && observation.observed !== check.majority;
          this.set({ node: observation.nodeId, check_id: check.checkId }, isOutlier ? 1 : 0);
        }
      }
    },
  });
  new Gauge({
    name: DerivedMetricNames.driftFleetNodes,
    help: 'Nodes that have reported each drift check.',
    labelNames: ['check_id'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const check of summarizeFleetDrift(derived.driftObservations())) {
        this.set({ check_id: check.checkId }, check.nodeCount);
      }
    },
  });
  registerInferenceMetrics(registry, derived);
  registerModelFleetMetrics(registry, store);
  new Counter({
    name: DerivedMetricNames.auditEvents,
    help: 'Audit log rows by action (token.create, token.revoke, forward.retry, console.sign_in, …): token changes and operator actions at a glance.',
    labelNames: ['action'] as const,
    registers: [registry],
    collect() {
      this.reset();
      // Actions are names from the code, never user input: a bounded label set.
      for (const row of store.audit.countsByAction()) this.inc({ action: row.action }, row.count);
    },
  });
  new Counter({
    name: DerivedMetricNames.deriveSkippedEvents,
    help: 'Stored events a derivation could not use, by reason (auth_outcome_unknown, drift_event_unusable).',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const row of derived.skippedCounts()) {
        this.inc({ reason: row.reason }, row.count);
      }
    },
  });
}

/**
 * The AI workload's counters (ARCHITECTURE.md "The AI workload"). Known nodes start at 0 for the
 * codes and kinds the default rules read (401, 403, integrity failures, change kinds), for the same
 * reason as the auth counters: a series that first appears at N shows no increase.
 */
const ZERO_CODES = ['200', '401', '403'] as const;

function registerInferenceMetrics(registry: Registry, derived: DerivedReads): void {
  new Counter({
    name: CollectorMetricNames.inferenceRequests,
    help: 'Inference requests per node and HTTP status code, from inference.request events.',
    labelNames: ['node', 'code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const node of derived.knownNodeIds()) {
        for (const code of ZERO_CODES) this.inc({ node, code }, 0);
      }
      for (const row of derived.inferenceRequestCounts())
        this.inc({ node: row.nodeId, code: row.code }, row.count);
    },
  });
  new Counter({
    name: CollectorMetricNames.inferenceTokens,
    help: 'Tokens per node and direction (input, output), from inference.request events that report them.',
    labelNames: ['node', 'direction'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const node of derived.knownNodeIds()) {
        this.inc({ node, direction: 'input' }, 0);
        this.inc({ node, direction: 'output' }, 0);
      }
      for (const row of derived.inferenceTokenCounts()) {
        this.inc({ node: row.nodeId, direction: row.direction }, row.count);
      }
    },
  });
  const modelCounts = () => derived.modelEventCounts();
  new Counter({
    name: CollectorMetricNames.modelIntegrityFailures,
    help: 'model.integrity events per node: weights whose content no longer matches their digest, or that could not be read.',
    labelNames: ['node'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const node of derived.knownNodeIds()) this.inc({ node }, 0);
      for (const row of modelCounts()) {
        if (row.kind === 'integrity_failure') this.inc({ node: row.nodeId }, row.count);
      }
    },
  });
  new Counter({
    name: CollectorMetricNames.modelChanges,
    help: 'model.change events per node and change (added, removed, replaced).',
    labelNames: ['node', 'change'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const node of derived.knownNodeIds()) {
        for (const change of Object.values(ModelChanges)) this.inc({ node, change }, 0);
      }
      for (const row of modelCounts()) {
        if (row.kind !== 'integrity_failure') this.inc({ node: row.nodeId, change: row.kind }, row.count);
      }
    },
  });
}

/** Per node and model name: 1 when the node's weights digest differs from the fleet majority. */
function registerModelFleetMetrics(registry: Registry, store: Store): void {
  new Gauge({
    name: CollectorMetricNames.modelFleetOutlier,
    help: 'Per node and model name: 1 when the node holds weights whose digest differs from the fleet majority for that name, else 0 (also 0 when the top digests tie).',
    labelNames: ['node', 'model_name'] as const,
    registers: [registry],
    collect() {
      this.reset();
      // A node holding the name twice (two folders) is an outlier if either copy is.
      const outlier = new Map<string, { node: string; model_name: string; value: number }>();
      for (const model of readModelInventory(store).models) {
        const k = `${model.nodeId}\u0000${model.name}`;
        const value = Math.max(outlier.get(k)?.value ?? 0, model.drift ? 1 : 0);
        outlier.set(k, { node: model.nodeId, model_name: model.name, value });
      }
      for (const { value, ...labels } of outlier.values()) this.set(labels, value);
    },
  });
}
