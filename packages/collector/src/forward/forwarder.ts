import { setTimeout as delay } from 'node:timers/promises';
import type { CollectorConfig } from '@perimeter/schema';
import { type BackoffPolicy, backoffDelayMs } from '@perimeter/schema/otlp';
import { type ParsedCheckpoint, parseCheckpoint } from '../integrity/checkpoint.ts';
import { plainPayloadBytes } from '../otlp/otlp-transcode.ts';
import type { ForwardStore } from '../store/forward-rows.ts';
import type { StoredCheckpoint } from '../store/integrity-rows.ts';
import type { SendOutcome, Sink, StoredBatch } from './types.ts';

/**
 * One forwarder per sink. Invariant: its cursor moves only after every batch up to it was
 * acknowledged by the upstream or parked in the dead-letter table, so a crash at any moment
 * resends at most the round that was in flight (a duplicate, recognisable by its seq), never
 * skips one. A round reads up to concurrency × maxBatchesPerRequest batches past the cursor and
 * splits them into lanes by node: a node's batches are always in one lane and sent in id order,
 * lanes run in parallel. Retryable failures are retried with the shared capped, jittered backoff
 * (@perimeter/schema/otlp) for as long as it takes (the store, not a timer, bounds what waits); a
 * permanent refusal of a multi-batch
 * request is retried batch by batch so only the batch at fault is dead-lettered.
 *
 * Signed checkpoints (sinks with `sendCheckpoint`) have a cursor of their own, a checkpoint
 * sequence: each round first sends the stored checkpoints past it, oldest first, retried like a
 * batch, so one made during an outage goes out when the outage ends. A checkpoint the upstream
 * refuses outright is logged and passed (it stays in the store; the next one chains to it). At
 * stop, checkpoints still waiting get one short try, so the shutdown checkpoint leaves at once. A
 * sink that carries only the newest (remote write's gauge) skips the older ones waiting.
 */
/** How long stop waits for the last checkpoints to go out. */
const STOP_CHECKPOINT_MS = 2_000;
const CHECKPOINT_PAGE = 16;

export interface ForwarderConfig {
  maxBatchesPerRequest: number;
  maxBytesPerRequest: number;
  concurrency: number;
  /** The sink's `retry` settings, as the collector config spells them. */
  retry: CollectorConfig['forward'][number]['retry'];
}

export function backoffPolicyOf(retry: ForwarderConfig['retry']): BackoffPolicy {
  return {
    initialMs: retry.initialInterval,
    maxMs: retry.maxInterval,
    multiplier: retry.multiplier,
    randomizationFactor: retry.randomizationFactor,
    maxRetryAfterMs: retry.maxRetryAfter,
  };
}

export interface ForwardEvents {
  sent(sink: string, batches: number, points: number): void;
  retried(sink: string, reason: string): void;
  deadLettered(sink: string, batches: number): void;
  partialRejected(sink: string, items: number): void;
}

export interface ForwarderDeps {
  store: ForwardStore;
  sink: Sink;
  config: ForwarderConfig;
  events: ForwardEvents;
  log: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  nowMs: () => number;
  random: () => number;
  /** Waits between retries; ends early, without throwing, when `signal` aborts. Default: timers. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Idle poll when nothing wakes it. */
  pollIntervalMs?: number;
}

export interface Forwarder {
  start(): void;
  /** New data was stored: look now instead of at the next poll. */
  wake(): void;
  stop(): Promise<void>;
}

type LaneResult = 'done' | 'stopped';

export function createForwarder(deps: ForwarderDeps): Forwarder {
  const { store, sink, config, events } = deps;
  const abort = new AbortController();
  let wakeUp: (() => void) | null = null;
  let running: Promise<void> | null = null;

  const backoff = backoffPolicyOf(config.retry);
  const sleep = (ms: number) => (deps.sleep ?? timerSleep)(ms, abort.signal);

  const waitForWork = () =>
    new Promise<void>((resolve) => {
      if (abort.signal.aborted) {
        resolve();
        return;
      }
      const finish = () => {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', finish);
        wakeUp = null;
        resolve();
      };
      const timer = setTimeout(finish, deps.pollIntervalMs ?? 1000);
      abort.signal.addEventListener('abort', finish);
      wakeUp = finish;
    });

  const trySend = async (batches: readonly StoredBatch[]): Promise<SendOutcome> => {
    try {
      return await sink.send(batches);
    } catch (error) {
      // A payload the sink cannot turn into a request will never succeed: park it.
      return { kind: 'rejected', reason: `cannot encode: ${(error as Error).message}`, status: null };
    }
  };

  /** Sends until acknowledged or dead-lettered; 'stopped' when shutdown interrupted it. */
  const deliver = async (
    batches: readonly StoredBatch[],
    counts: Record<string, number>,
  ): Promise<LaneResult> => {
    for (let attempt = 1; ; attempt++) {
      if (abort.signal.aborted) {
        return 'stopped';
      }
      const outcome = await trySend(batches);
      if (outcome.kind === 'ok') {
        const points = batches.reduce((sum, batch) => sum + batch.pointCount + batch.eventCount, 0);
        events.sent(sink.name, batches.length, points);
        counts.sent = (counts.sent ?? 0) + batches.length;
        if (outcome.rejectedItems > 0) {
          events.partialRejected(sink.name, outcome.rejectedItems);
          counts.partialRejected = (counts.partialRejected ?? 0) + outcome.rejectedItems;
          deps.log.warn(
            { sink: sink.name, rejected: outcome.rejectedItems, message: outcome.message },
            'upstream partial success',
          );
        }
        return 'done';
      }
      if (outcome.kind === 'rejected') {
        if (batches.length > 1) {
          for (const batch of batches) {
            if ((await deliver([batch], counts)) === 'stopped') {
              return 'stopped';
            }
          }
          return 'done';
        }
        const batch = batches[0] as StoredBatch;
        store.deadLetter(sink.name, batch, outcome.status, outcome.reason, deps.nowMs());
        events.deadLettered(sink.name, 1);
        counts.deadLettered = (counts.deadLettered ?? 0) + 1;
        deps.log.warn(
          { sink: sink.name, batchId: batch.id, node: batch.nodeId, reason: outcome.reason },
          'batch dead-lettered',
        );
        return 'done';
      }
      events.retried(sink.name, outcome.status === undefined ? 'network' : String(outcome.status));
      counts.retried = (counts.retried ?? 0) + 1;
      const delayMs = backoffDelayMs(backoff, attempt, deps.random, outcome.retryAfterMs);
      if (attempt === 1 || attempt % 10 === 0) {
        deps.log.warn(
          { sink: sink.name, attempt, delayMs, reason: outcome.reason },
          'upstream unavailable; retrying',
        );
      }
      await sleep(delayMs);
    }
  };

  const runLane = async (batches: StoredBatch[], counts: Record<string, number>): Promise<LaneResult> => {
    for (const signal of ['metrics', 'logs'] as const) {
      let request: StoredBatch[] = [];
      let bytes = 0;
      const flush = async () => {
        const result = request.length > 0 ? await deliver(request, counts) : 'done';
        request = [];
        bytes = 0;
        return result;
      };
      for (const batch of batches) {
        if (batch.signal !== signal) {
          continue;
        }
        if (
          request.length >= config.maxBatchesPerRequest ||
          (request.length > 0 && bytes + plainPayloadBytes(batch) > config.maxBytesPerRequest)
        ) {
          if ((await flush()) === 'stopped') {
            return 'stopped';
          }
        }
        request.push(batch);
        bytes += plainPayloadBytes(batch);
      }
      if ((await flush()) === 'stopped') {
        return 'stopped';
      }
    }
    return 'done';
  };

  const retryDeadLetters = async () => {
    for (const letter of store.retryRequested(sink.name)) {
      const batch = store.readBatch(letter.batchId);
      if (!batch) {
        store.failDeadLetterAgain(letter.id, null, 'batch no longer in the store (pruned)', deps.nowMs());
        continue;
      }
      const outcome = await trySend([batch]);
      if (outcome.kind === 'ok') {
        store.resolveDeadLetter(letter.id, deps.nowMs());
        events.sent(sink.name, 1, batch.pointCount + batch.eventCount);
      } else if (outcome.kind === 'rejected') {
        store.failDeadLetterAgain(letter.id, outcome.status, outcome.reason, deps.nowMs());
      }
      // Retryable: stays requested and is tried again next round.
    }
  };

  const tryCheckpoint = async (checkpoint: ParsedCheckpoint): Promise<SendOutcome> => {
    try {
      return await (sink.sendCheckpoint as NonNullable<Sink['sendCheckpoint']>)(checkpoint);
    } catch (error) {
      return { kind: 'rejected', reason: `cannot encode: ${(error as Error).message}`, status: null };
    }
  };

  const readCheckpoint = (row: StoredCheckpoint): ParsedCheckpoint | undefined => {
    try {
      return parseCheckpoint(row.signedJson, `store checkpoint ${row.seq}`);
    } catch (error) {
      // verify reports it as BROKEN; sending it would only spread the damage.
      deps.log.error({ sink: sink.name, seq: row.seq, err: error }, 'stored checkpoint not forwarded');
      return undefined;
    }
  };

  /** Sends one checkpoint until acknowledged or refused; 'stopped' when shutdown interrupted it. */
  const deliverCheckpoint = async (checkpoint: ParsedCheckpoint): Promise<LaneResult> => {
    for (let attempt = 1; ; attempt++) {
      if (abort.signal.aborted) {
        return 'stopped';
      }
      const outcome = await tryCheckpoint(checkpoint);
      if (outcome.kind === 'ok') {
        return 'done';
      }
      if (outcome.kind === 'rejected') {
        deps.log.error(
          { sink: sink.name, seq: checkpoint.body.seq, reason: outcome.reason },
          'integrity checkpoint refused by the upstream; not retried',
        );
        return 'done';
      }
      events.retried(sink.name, outcome.status === undefined ? 'network' : String(outcome.status));
      const delayMs = backoffDelayMs(backoff, attempt, deps.random, outcome.retryAfterMs);
      if (attempt === 1 || attempt % 10 === 0) {
        deps.log.warn(
          { sink: sink.name, seq: checkpoint.body.seq, attempt, delayMs, reason: outcome.reason },
          'upstream unavailable for the integrity checkpoint; retrying',
        );
      }
      await sleep(delayMs);
    }
  };

  const deliverCheckpoints = async (): Promise<void> => {
    if (sink.sendCheckpoint === undefined) {
      return;
    }
    for (;;) {
      let pending = store.checkpointsAfter(store.checkpointCursor(sink.name), CHECKPOINT_PAGE);
      if (pending.length === 0) {
        return;
      }
      if (sink.newestCheckpointOnly) {
        pending = [newestAfter(pending)];
      }
      for (const row of pending) {
        const checkpoint = readCheckpoint(row);
        if (checkpoint !== undefined && (await deliverCheckpoint(checkpoint)) === 'stopped') {
          return;
        }
        store.commitCheckpoint(sink.name, row.seq, deps.nowMs());
      }
    }
  };

  /** The newest stored checkpoint from `page` on (the page is the first past the cursor). */
  const newestAfter = (page: StoredCheckpoint[]): StoredCheckpoint => {
    let newest = page.at(-1) as StoredCheckpoint;
    for (let next = page; next.length === CHECKPOINT_PAGE; ) {
      next = store.checkpointsAfter(newest.seq, CHECKPOINT_PAGE);
      newest = next.at(-1) ?? newest;
    }
    return newest;
  };

  /** At stop: one try for each waiting checkpoint, oldest first, until one fails. */
  const lastCheckpoints = async (): Promise<void> => {
    if (sink.sendCheckpoint === undefined) {
      return;
    }
    const pending = store.checkpointsAfter(store.checkpointCursor(sink.name), CHECKPOINT_PAGE);
    for (const row of sink.newestCheckpointOnly && pending.length > 0 ? [newestAfter(pending)] : pending) {
      const checkpoint = readCheckpoint(row);
      if (checkpoint !== undefined && (await tryCheckpoint(checkpoint)).kind !== 'ok') {
        return;
      }
      store.commitCheckpoint(sink.name, row.seq, deps.nowMs());
    }
  };

  const round = async (cursor: number): Promise<number> => {
    const batches = store.readAfter(
      cursor,
      config.concurrency * config.maxBatchesPerRequest,
      config.concurrency * config.maxBytesPerRequest,
    );
    if (batches.length === 0) {
      return cursor;
    }
    const lanes = new Map<number, StoredBatch[]>();
    for (const batch of batches) {
      if (!sink.accepts(batch)) {
        continue;
      }
      const lane = laneOf(batch.nodeId, config.concurrency);
      const list = lanes.get(lane);
      if (list) {
        list.push(batch);
      } else {
        lanes.set(lane, [batch]);
      }
    }
    const counts: Record<string, number> = {};
    const results = await Promise.all([...lanes.values()].map((lane) => runLane(lane, counts)));
    if (results.includes('stopped')) {
      return cursor;
    }
    const last = (batches.at(-1) as StoredBatch).id;
    store.commit(sink.name, last, counts, deps.nowMs());
    return last;
  };

  const loop = async () => {
    let cursor = store.cursor(sink.name);
    while (!abort.signal.aborted) {
      try {
        await deliverCheckpoints();
        await retryDeadLetters();
        // Pruning at the hard quota may have moved the cursor past what this loop last saw.
        cursor = Math.max(cursor, store.cursor(sink.name));
        const next = await round(cursor);
        if (next === cursor) {
          await waitForWork();
        }
        cursor = next;
      } catch (error) {
        deps.log.error({ sink: sink.name, err: error }, 'forward round failed; trying again');
        await sleep(1000);
      }
    }
  };

  return {
    start() {
      running ??= loop();
    },
    wake() {
      wakeUp?.();
    },
    async stop() {
      abort.abort();
      await Promise.race([
        lastCheckpoints().catch((error: unknown) =>
          deps.log.warn({ sink: sink.name, err: error }, 'last integrity checkpoints not sent'),
        ),
        // Unref'd: a shutdown that finished sooner must not wait for this timer to exit.
        delay(STOP_CHECKPOINT_MS, undefined, { ref: false }),
      ]);
      await sink.close();
      await running;
    },
  };
}

async function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => {});
}

/** A stable lane per node (FNV-1a), so one node's batches never race each other. */
export function laneOf(nodeId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < nodeId.length; i++) {
    hash = Math.imul(hash ^ nodeId.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash % lanes;
}
