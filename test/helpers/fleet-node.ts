import { join } from 'node:path';
import { createShipper, openSpool, type Shipper, type ShipperOptions, type Spool } from '@perimeter/agent';

/**
 * The start of a simulated node in a one-process fleet (agent-fleet.ts, latency-fleet.ts): the
 * agent's real spool and shipper on the wall clock, with the shipper's acknowledgements recorded.
 * drainFleet (fleet-drain.ts) is the end of the same run.
 */

/** A node's spool under `dir/nodeId/spool.db`, 256 MiB, on the wall clock. */
export function openFleetSpool(dir: string, nodeId: string): Spool {
  return openSpool({
    path: join(dir, nodeId, 'spool.db'),
    maxBytes: 256 * 1024 * 1024,
    clock: { nowMs: () => Date.now() },
  });
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Starts a shipper on `spool` (gzip, wall clock, silent), calling `onAck(seq)` each time it
 * removes a batch: the shipper calls remove(seq) only after the collector answered 2xx for it.
 */
export function startFleetShipper(options: {
  spool: Spool;
  onAck: (seq: number) => void;
  collectorUrl: string;
  token: string;
  sleep: ShipperOptions['sleep'];
  signal: AbortSignal;
  tuning: Pick<ShipperOptions, 'timeoutMs' | 'backoff' | 'idlePollMs'>;
}): { shipper: Shipper; running: Promise<void> } {
  const { spool, onAck } = options;
  const recording: Spool = {
    ...spool,
    remove(seq) {
      onAck(seq);
      return spool.remove(seq);
    },
  };
  const shipper = createShipper({
    spool: recording,
    collectorUrl: options.collectorUrl,
    token: options.token,
    gzip: true,
    ...options.tuning,
    clock: { nowMs: () => Date.now() },
    sleep: options.sleep,
    random: Math.random,
    log: quiet,
  });
  return { shipper, running: shipper.run(options.signal) };
}
