import { CollectorMetricNames } from '@perimeter/schema';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { StoreTables } from '../store/store-file.ts';
import type { ForwardEvents } from './forwarder.ts';

/**
 * The forward counts itself: lag, queue depth and open dead letters per sink are read from the
 * store at scrape time (never stale); counters are seeded from the store so a restart does not
 * reset them. A retry is never counted as a drop; a drop (hard quota) always is.
 */
export interface ForwardMetrics extends ForwardEvents {
  dropped(sink: string, batches: number): void;
  pruned(batches: number): void;
  setQuotaExceeded(exceeded: boolean): void;
}

/** Why a forward request failed (forwarder.ts): each exported at 0 per sink from the start. */
export const FORWARD_FAILURE_REASONS = ['network', '429', '502', '503', '504', 'permanent'] as const;

export function registerForwardMetrics(
  registry: Registry,
  tables: Pick<StoreTables, 'forward'>,
  sinks: readonly string[],
  nowMs: () => number,
): ForwardMetrics {
  const store = tables.forward;
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const sent = counter(CollectorMetricNames.forwardSentBatches, 'Stored batches the upstream acknowledged.', [
    'sink',
  ]);
  const sentPoints = counter(
    CollectorMetricNames.forwardSentPoints,
    'Data points and log records in acknowledged batches.',
    ['sink'],
  );
  const retries = counter(
    CollectorMetricNames.forwardRetries,
    'Requests retried after a network error or a retryable status (429, 502, 503, 504).',
    ['sink', 'reason'],
  );
  const failures = counter(
    CollectorMetricNames.forwardFailures,
    'Failed requests by reason (each is then retried or dead-lettered).',
    ['sink', 'reason'],
  );
  const deadLettered = counter(
    CollectorMetricNames.forwardDeadLettered,
    'Batches the upstream refused for good (4xx other than 429), parked in the dead-letter table.',
    ['sink'],
  );
  const partial = counter(
    CollectorMetricNames.forwardPartialRejected,
    'Items an upstream rejected in an OTLP partial_success answer.',
    ['sink'],
  );
  const dropped = counter(
    CollectorMetricNames.forwardDropped,
    'Batches dropped unforwarded at the hard disk quota (alert on any increase).',
    ['sink'],
  );
  const pruned = new Counter({
    name: CollectorMetricNames.storePruned,
    help: 'Batches pruned from the store (forwarded and past retention, or dropped at the quota).',
    registers: [registry],
  });
  const quotaExceeded = new Gauge({
    name: CollectorMetricNames.storeQuotaExceeded,
    help: '1 while the store is over its hard quota or the disk is nearly full.',
    registers: [registry],
  });
  quotaExceeded.set(0);
  const persisted = new Map<string, number>();
  for (const row of store.counts()) {
    persisted.set(`${row.sink}/${row.name}`, row.count);
  }
  for (const sink of sinks) {
    for (const reason of FORWARD_FAILURE_REASONS) {
      failures.inc({ sink, reason }, 0);
    }
    sent.inc({ sink }, persisted.get(`${sink}/sent`) ?? 0);
    deadLettered.inc({ sink }, persisted.get(`${sink}/deadLettered`) ?? 0);
    partial.inc({ sink }, persisted.get(`${sink}/partialRejected`) ?? 0);
    dropped.inc({ sink }, store.droppedBatches(sink));
  }
  new Gauge({
    name: CollectorMetricNames.forwardLag,
    help: 'Age of the oldest stored batch the sink has not forwarded yet (0 when caught up).',
    labelNames: ['sink'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const sink of sinks) {
        const oldest = store.queue(sink).oldestReceivedAtMs;
        this.set({ sink }, oldest === null ? 0 : Math.max(0, (nowMs() - oldest) / 1000));
      }
    },
  });
  new Gauge({
    name: CollectorMetricNames.forwardQueueBatches,
    help: 'Stored batches past the sink cursor.',
    labelNames: ['sink'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const sink of sinks) {
        this.set({ sink }, store.queue(sink).batches);
      }
    },
  });
  new Gauge({
    name: CollectorMetricNames.forwardQueueBytes,
    help: 'Payload bytes of the stored batches past the sink cursor.',
    labelNames: ['sink'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const sink of sinks) {
        this.set({ sink }, store.queue(sink).bytes);
      }
    },
  });
  new Gauge({
    name: CollectorMetricNames.forwardDeadLetters,
    help: 'Dead letters waiting for a fix and a retry.',
    labelNames: ['sink'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const sink of sinks) {
        this.set({ sink }, 0);
      }
      for (const row of store.openDeadLettersBySink()) {
        this.set({ sink: row.sink }, row.count);
      }
    },
  });
  return {
    sent(sink, batches, points) {
      sent.inc({ sink }, batches);
      sentPoints.inc({ sink }, points);
    },
    retried(sink, reason) {
      retries.inc({ sink, reason });
      failures.inc({ sink, reason });
    },
    deadLettered(sink, batches) {
      deadLettered.inc({ sink }, batches);
      failures.inc({ sink, reason: 'permanent' });
    },
    partialRejected: (sink, items) => partial.inc({ sink }, items),
    dropped: (sink, batches) => dropped.inc({ sink }, batches),
    pruned: (batches) => pruned.inc(batches),
    setQuotaExceeded: (exceeded) => quotaExceeded.set(exceeded ? 1 : 0),
  };
}
