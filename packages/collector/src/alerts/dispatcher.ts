import type { AlertStore } from './alert-store.ts';
import type { NotifyTarget, OutgoingAlert } from './notify-alertmanager.ts';

/**
 * Delivery to every notifier, one ordered queue each, so a slow webhook never delays
 * Alertmanager. Each batch is retried with capped exponential backoff and jitter on network
 * errors, 429 and 5xx; a 4xx is final. Every attempt is a row in the notification log. A batch
 * that runs out of attempts is logged as failed; the alerts in it are sent again at the next
 * resend, because sending is driven by the persisted state, not by this queue.
 */
export interface DispatcherOptions {
  targets: readonly NotifyTarget[];
  store: AlertStore;
  nowMs: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Batches waiting per target; past it the oldest is dropped (and logged as failed). */
  maxQueued?: number;
}

export interface Dispatcher {
  dispatch(alerts: readonly OutgoingAlert[]): void;
  /** Resolves once every queue is empty. */
  idle(): Promise<void>;
  /**
   * For shutdown: no more retries or queued batches (they are logged as failed and sent again
   * after the restart, from the persisted state); waits at most `graceMs` for sends in flight.
   */
  close(graceMs?: number): Promise<void>;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 5;
  const initial = options.initialBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const maxQueued = options.maxQueued ?? 100;

  let closing = false;
  let wakeOnClose: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    wakeOnClose = resolve;
  });
  const lanes = options.targets.map((target) => ({
    target,
    queue: [] as OutgoingAlert[][],
    running: null as Promise<void> | null,
  }));

  const log = (
    target: NotifyTarget,
    batch: readonly OutgoingAlert[],
    attempt: number,
    outcome: 'sent' | 'retry' | 'failed',
    httpStatus: number | null,
    error: string | null,
  ) =>
    options.store.logNotification({
      atMs: options.nowMs(),
      notifier: target.notifier,
      target: target.target,
      attempt,
      outcome,
      httpStatus,
      error,
      fingerprints: batch.map((a) => a.fingerprint),
    });

  const deliver = async (target: NotifyTarget, batch: OutgoingAlert[]) => {
    let backoff = initial;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const result = await target.send(batch);
      if (result.outcome === 'sent') {
        log(target, batch, attempt, 'sent', result.httpStatus, null);
        return;
      }
      const last = result.outcome === 'rejected' || attempt === maxAttempts || closing;
      const why =
        closing && result.outcome !== 'rejected'
          ? `${result.error ?? 'not sent'}; collector stopping`
          : result.error;
      log(target, batch, attempt, last ? 'failed' : 'retry', result.httpStatus, why);
      if (last) {
        return;
      }
      // close() cuts a backoff short: the next attempt then gives up at once.
      await Promise.race([sleep(backoff * (0.5 + random())), closed]);
      backoff = Math.min(backoff * 2, maxBackoff);
      if (closing) {
        log(target, batch, attempt, 'failed', null, 'collector stopping: sent again after restart');
        return;
      }
    }
  };

  const run = async (lane: (typeof lanes)[number]) => {
    while (lane.queue.length > 0) {
      const batch = lane.queue.shift() as OutgoingAlert[];
      if (closing) {
        log(lane.target, batch, 0, 'failed', null, 'collector stopping: sent again after restart');
        continue;
      }
      await deliver(lane.target, batch);
    }
    lane.running = null;
  };

  return {
    dispatch(alerts) {
      if (alerts.length === 0) {
        return;
      }
      for (const lane of lanes) {
        lane.queue.push([...alerts]);
        while (lane.queue.length > maxQueued) {
          const dropped = lane.queue.shift() as OutgoingAlert[];
          log(lane.target, dropped, 0, 'failed', null, 'queue full: dropped before sending');
        }
        lane.running ??= run(lane);
      }
    },
    async close(graceMs = 5_000) {
      closing = true;
      wakeOnClose();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.idle(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    },
    async idle() {
      while (lanes.some((lane) => lane.running !== null)) {
        await Promise.all(lanes.map((lane) => lane.running));
      }
    },
  };
}
