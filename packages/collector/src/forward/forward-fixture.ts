import type { CollectorConfig } from '@perimeter/schema';
import { expect } from 'vitest';
import { jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { createSink } from './forward-service.ts';
import { createForwarder, type ForwardEvents, type Forwarder } from './forwarder.ts';

/**
 * What the forwarder tests share (forwarder.test.ts, checkpoint-forward.test.ts): a fixed clock,
 * node-a's batches stored through the real ingest path, a forwarder on sink `up` driven by that
 * clock, and a wait for what it sends.
 */
export const T0 = Date.parse('2026-11-23T06:00:00Z');

const quiet = { warn() {}, error() {} };

/** Stores `count` metrics batches from node-a on stream-a (seq 1..count, one point each, 10 s apart). */
export async function storeNodeABatches(collector: TestCollector, count: number): Promise<void> {
  for (let seq = 1; seq <= count; seq++) {
    const body = jsonGauge({ nodeId: 'node-a', points: [{ value: seq, timeMs: T0 + seq * 10_000 }] });
    expect((await collector.post('metrics', body, { stream: 'stream-a', seq })).status).toBe(200);
  }
}

/** Starts a forwarder on sink `up` over the collector's store, at T0, with jitter fixed at 0.5. */
export function startTestForwarder(options: {
  collector: TestCollector;
  config: CollectorConfig['forward'][number];
  events: ForwardEvents;
  sleep: (ms: number) => void;
  pollIntervalMs?: number;
}): Forwarder {
  const { collector, config } = options;
  const forwarder = createForwarder({
    store: collector.store.forward,
    sink: createSink('up', config, collector.store, () => T0),
    config,
    events: options.events,
    log: quiet,
    nowMs: () => T0,
    random: () => 0.5,
    sleep: async (ms) => options.sleep(ms),
    pollIntervalMs: options.pollIntervalMs ?? 20,
  });
  forwarder.start();
  return forwarder;
}

/** Polls every 10 ms until `check` holds, failing after 5 s with `what`. */
export async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
