import { CollectorMetricNames } from '@perimeter/schema';
import { Counter, Gauge, Registry } from 'prom-client';
import { type ForwardMetrics, registerForwardMetrics } from '../forward/forward-metrics.ts';
import { ADMISSION_REASONS } from '../ingest/admission.ts';
import type { Store } from '../store/store.ts';
import { registerDerivedMetrics } from './derived-metrics.ts';

/**
 * The collector counts itself (ARCHITECTURE.md "Self-metrics"): every batch stored, duplicated or
 * rejected, every point and event, every gap and refusal reason; node last-seen and store size are
 * read from the store at scrape time so they are never stale.
 */
export interface SelfMetrics {
  registry: Registry;
  batches: Counter<'signal' | 'result'>;
  points: Counter<'signal'>;
  events: Counter<'signal'>;
  gaps: Counter<'node'>;
  rejects: Counter<'reason'>;
  forward: ForwardMetrics;
}

/**
 * The refusal reasons exported at 0 from the start (Prometheus practice for known label sets), so
 * rate() over them is 0 on a healthy collector rather than no series at all. Any other reason a
 * route refuses with still appears on first use.
 */
export const INGEST_REJECT_REASONS = [
  'unauthenticated',
  'invalid_token',
  'forbidden_role',
  'too_many_auth_failures',
  'wrong_node',
  'client_cert_mismatch',
  'body_too_large',
  'bad_gzip',
  'unsupported_encoding',
  'unsupported_media_type',
  'bad_json',
  'bad_protobuf',
  'invalid_field',
  'invalid_header',
  'too_many_items',
  'foreign_stream',
  'store_unavailable',
  'partial_item',
  ...ADMISSION_REASONS,
] as const;

export function createSelfMetrics(
  store: Store,
  forward: { sinks: readonly string[]; nowMs: () => number } = { sinks: [], nowMs: Date.now },
): SelfMetrics {
  const registry = new Registry();
  const batches = new Counter({
    name: CollectorMetricNames.ingestBatches,
    help: 'OTLP requests by signal and result (stored, duplicate, rejected).',
    labelNames: ['signal', 'result'] as const,
    registers: [registry],
  });
  const points = new Counter({
    name: CollectorMetricNames.ingestPoints,
    help: 'Metric data points committed to the store.',
    labelNames: ['signal'] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: CollectorMetricNames.ingestEvents,
    help: 'Log records (events) committed to the store.',
    labelNames: ['signal'] as const,
    registers: [registry],
  });
  const gaps = new Counter({
    name: CollectorMetricNames.ingestGaps,
    help: 'Sequence gaps detected in a node stream (batches lost on the node or in transit).',
    labelNames: ['node'] as const,
    registers: [registry],
    // Every known node at 0 until its first gap, so a healthy fleet's panel says 0, not "No data".
    collect() {
      for (const node of store.nodes()) {
        this.inc({ node: node.nodeId }, 0);
      }
    },
  });
  // Seed from the store so a restart does not reset the count of gaps already recorded.
  for (const [node, count] of store.gapCountsByNode()) {
    gaps.inc({ node }, count);
  }
  const rejects = new Counter({
    name: CollectorMetricNames.ingestRejects,
    help: 'Refused requests and refused items by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  for (const reason of INGEST_REJECT_REASONS) {
    rejects.inc({ reason }, 0);
  }
  new Gauge({
    name: CollectorMetricNames.nodeLastSeen,
    help: 'When the collector last stored a batch from the node (Unix seconds).',
    labelNames: ['node'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const node of store.nodes()) {
        this.set({ node: node.nodeId }, node.lastSeenMs / 1000);
      }
    },
  });
  new Gauge({
    name: CollectorMetricNames.storeBytes,
    help: 'Size of the store database file in bytes.',
    registers: [registry],
    collect() {
      this.set(store.sizeBytes());
    },
  });
  registerDerivedMetrics(registry, store);
  const forwardMetrics = registerForwardMetrics(registry, store, forward.sinks, forward.nowMs);
  return { registry, batches, points, events, gaps, rejects, forward: forwardMetrics };
}
