import { isLoopbackHost } from '@perimeter/schema';
import {
  type BackoffPolicy,
  backoffDelayMs,
  createHttpClient,
  type ExportOutcome,
  type TlsOptions,
} from '@perimeter/schema/otlp';
import type { Clock, Sleeper } from '../host/clock.ts';
import type { Logger } from '../samplers/types.ts';
import type { Spool, SpooledBatch } from '../spool/types.ts';
import { type SendTarget, sendBatch } from './send-batch.ts';

/**
 * Drains the spool to the collector, oldest first, one request in flight.
 * Invariants, and why:
 * - A row is deleted only after a 2xx for it: the collector answers 2xx after its own commit, so
 *   every hop is durable before it is acknowledged (at-least-once; the collector dedups by seq).
 * - Strict order: the next batch is not sent before the current one is settled, so seqs arrive in
 *   order and a gap at the collector means a real drop.
 * - Transient failures (429/502/503/504, network) keep the row and wait max(backoff, Retry-After)
 *   (@perimeter/schema/otlp) and never give up while data is on disk; so do 401/403, because a
 *   rotated token is an operator fix, not bad data. A permanent rejection
 *   moves the row to dead_letter with the collector's reason, so one bad batch cannot block the
 *   line and nothing is silently lost.
 */
/**
 * The agent's backoff: 10 s cap like Prometheus remote-write's 5 s rather than OTel's 30 s (config
 * `ship.maxBackoff` says why); a Retry-After over 5 minutes is clamped. While the collector's
 * host refuses the connection (nothing listens on the port: the collector is down or
 * restarting), the cap is `refusedMaxMs` (config `ship.maxRefusedBackoff`): such a try costs the
 * collector nothing, since its kernel answers, and a node that tries every ~2 s instead of ~10 s
 * finds a restarted collector ~8 s sooner, which is most of a 10-minute backlog's drain.
 */
export interface ShipBackoffPolicy extends BackoffPolicy {
  /** Cap on the wait after a refused connection (default: maxMs, no shorter cap). */
  refusedMaxMs?: number;
}

export const defaultBackoffPolicy: Required<ShipBackoffPolicy> = {
  initialMs: 500,
  maxMs: 10_000,
  refusedMaxMs: 2_000,
  multiplier: 1.5,
  randomizationFactor: 0.5,
  maxRetryAfterMs: 300_000,
};

export interface ShipperOptions extends Omit<SendTarget, 'streamId' | 'http' | 'nowMs'> {
  spool: Spool;
  /** TLS to the collector: its CA, and this node's client certificate for mTLS. */
  tls?: TlsOptions | undefined;
  backoff: ShipBackoffPolicy;
  clock: Clock;
  sleep: Sleeper['sleep'];
  random: () => number;
  log: Logger;
  /**
   * Fallback poll while the spool is empty. Every append wakes the loop at once (`subscribe`), and
   * the spool has one writer (this process: locking_mode=EXCLUSIVE), so the poll only backs that up.
   * Default 60 s: a 1 s poll was 3,600 wake-ups an hour of an idle agent for nothing.
   */
  idlePollMs?: number;
}

export interface ShipperStats {
  shippedBatches: number;
  shippedBytes: number;
  retries: number;
  deadLettered: number;
  authFailures: number;
  partialRejected: number;
  /** Failed attempts since the last 2xx. */
  consecutiveFailures: number;
  lastShippedAtMs: number | null;
  lastError: string | null;
}

export interface Shipper {
  /** Runs until `signal` aborts. An in-flight request is cancelled and its row kept. */
  run(signal: AbortSignal): Promise<void>;
  /** Resolves the next time the loop finds the spool empty. */
  whenIdle(): Promise<void>;
  stats(): ShipperStats;
}

export function createShipper(options: ShipperOptions): Shipper {
  const { spool, clock, log } = options;
  const idlePollMs = options.idlePollMs ?? 60_000;
  const http = createHttpClient({ tls: options.tls });
  warnIfCleartext(options.collectorUrl, log);
  const target: SendTarget = { ...options, http, streamId: spool.streamId, nowMs: () => clock.nowMs() };
  const stats: ShipperStats = {
    shippedBatches: 0,
    shippedBytes: 0,
    retries: 0,
    deadLettered: 0,
    authFailures: 0,
    partialRejected: 0,
    consecutiveFailures: 0,
    lastShippedAtMs: null,
    lastError: null,
  };
  const idleWaiters: (() => void)[] = [];
  let idle = false;
  let wakeRequested = false;
  let wakeUp: (() => void) | undefined;
  let running = false;

  const wake = () => {
    wakeRequested = true;
    wakeUp?.();
  };

  const waitForWork = async (signal: AbortSignal) => {
    if (wakeRequested) return;
    const woken = new AbortController();
    wakeUp = () => woken.abort();
    await options.sleep(idlePollMs, AbortSignal.any([signal, woken.signal]));
    wakeUp = undefined;
  };

  const settle = (batch: SpooledBatch, outcome: ExportOutcome): number => {
    if (outcome.kind === 'ok') {
      spool.remove(batch.seq);
      stats.shippedBatches += 1;
      stats.shippedBytes += batch.bytes;
      stats.consecutiveFailures = 0;
      stats.lastShippedAtMs = clock.nowMs();
      const partial = outcome.partial;
      if (partial) {
        stats.partialRejected += partial.rejected;
        log.warn(
          { seq: batch.seq, signal: batch.signal, ...partial },
          'collector accepted the batch in part',
        );
      }
      return 0;
    }
    stats.lastError = outcome.detail;
    if (outcome.kind === 'rejected') {
      spool.deadLetter(batch.seq, outcome.status, outcome.detail);
      stats.deadLettered += 1;
      stats.consecutiveFailures = 0;
      log.error(
        { seq: batch.seq, signal: batch.signal, status: outcome.status, reason: outcome.detail },
        'collector rejected the batch; moved to dead_letter',
      );
      return 0;
    }
    stats.retries += 1;
    stats.consecutiveFailures += 1;
    const delayMs = backoffDelayMs(
      retryPolicyFor(options.backoff, outcome),
      stats.consecutiveFailures,
      options.random,
      outcome.retryAfterMs,
    );
    const fields = { seq: batch.seq, status: outcome.status, attempt: stats.consecutiveFailures, delayMs };
    if (outcome.kind === 'auth') {
      stats.authFailures += 1;
      log.error(
        { ...fields, reason: outcome.detail },
        'collector refused the node token; keeping data and retrying',
      );
    } else {
      log.warn({ ...fields, reason: outcome.detail }, 'delivery failed; will retry');
    }
    return delayMs;
  };

  return {
    async run(signal) {
      if (running) throw new Error('shipper is already running');
      running = true;
      const unsubscribe = spool.subscribe(wake);
      try {
        while (!signal.aborted) {
          wakeRequested = false;
          const [batch] = spool.peekOldest(1);
          if (!batch) {
            idle = true;
            for (const resolve of idleWaiters.splice(0)) resolve();
            await waitForWork(signal);
            idle = false;
            continue;
          }
          spool.markInFlight(batch.seq);
          const outcome = await sendBatch(target, batch, signal).finally(() => spool.markInFlight(null));
          if (signal.aborted && outcome.kind !== 'ok') break;
          let delayMs: number;
          try {
            delayMs = settle(batch, outcome);
          } catch (error) {
            // The spool itself failed (disk I/O): keep the loop alive and try again later.
            stats.lastError = (error as Error).message;
            log.error({ seq: batch.seq, err: stats.lastError }, 'spool update failed after delivery');
            delayMs = options.backoff.maxMs;
          }
          if (delayMs > 0) await options.sleep(delayMs, signal);
        }
      } finally {
        unsubscribe();
        http.close();
        running = false;
        idle = false;
      }
    },
    whenIdle() {
      if (idle && !wakeRequested && spool.stats().batches === 0) return Promise.resolve();
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
      });
    },
    stats: () => ({ ...stats }),
  };
}

/**
 * The policy for the wait after `outcome`: a refused connection is capped at `refusedMaxMs`; every
 * answer from the collector (429, 502–504, with or without Retry-After) and every other network
 * failure (a timeout, a reset: maybe a collector too busy to accept) keeps the full backoff, so a
 * struggling collector is not stampeded.
 */
function retryPolicyFor(policy: ShipBackoffPolicy, outcome: ExportOutcome): BackoffPolicy {
  const refused = outcome.kind === 'retryable' && outcome.networkCode === 'ECONNREFUSED';
  if (!refused || policy.refusedMaxMs === undefined) return policy;
  return { ...policy, maxMs: Math.min(policy.maxMs, policy.refusedMaxMs) };
}

/** A non-loopback http:// collector: the bearer token and every batch cross the network in the clear. */
function warnIfCleartext(collectorUrl: string, log: ShipperOptions['log']): void {
  const url = new URL(collectorUrl);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    log.warn(
      { collector: collectorUrl },
      'collector URL is http:// off loopback: the token and telemetry travel in cleartext; use https://',
    );
  }
}
