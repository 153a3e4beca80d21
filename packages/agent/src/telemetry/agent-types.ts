import type { AgentConfig } from '@perimeter/schema';
import type { Clock, Sleeper } from '../host/clock.ts';
import type { FsRoot } from '../host/fs-root.ts';
import type { RunCommand } from '../host/run-command.ts';
import type { EventStream, Logger, Sampler } from '../samplers/types.ts';
import type { Shipper, ShipperStats } from '../ship/shipper.ts';
import type { Spool, SpoolStats } from '../spool/types.ts';
import type { HostFacts } from './resource.ts';
import type { SamplerOutcome } from './sample-round.ts';

/**
 * The agent's seams: what createAgent needs from the world (main.ts builds the real ones, tests
 * pass fakes and temp dirs) and what it gives back. Kept apart so callers read the contract only.
 */
export const DEFAULT_SAMPLER_TIMEOUT_MS = 10_000;

export interface AgentDeps {
  config: AgentConfig & { token: string };
  nodeId: string;
  host: HostFacts;
  serviceVersion: string;
  samplers: readonly Sampler[];
  /** Called once the spool is open, before the first round (binds samplers' persistent state). */
  onSpoolOpen?: (spool: Spool) => void;
  /** Sources followed between rounds (logins); started by start(), stopped by stop(). */
  eventStreams?: readonly EventStream[];
  clock: Clock;
  sleep: Sleeper['sleep'];
  random: () => number;
  runCommand: RunCommand;
  fs: FsRoot;
  log: Logger;
  /** How long stop() lets the shipper drain before giving up (default 2000 ms). */
  drainGraceMs?: number;
  /**
   * Deadline for each sampler per tick (default 10 s, like runCommand's). Not tied to the interval:
   * a slow first read (systeminformation warming up) delays one tick instead of losing its data.
   */
  samplerTimeoutMs?: number;
  /** globalThis.gc under `node --expose-gc`: a full collection every 5 minutes (heap-trim.ts). */
  gc?: (() => void) | undefined;
}

export interface TickResult {
  /** Seq of the metrics batch, when the tick produced data points. */
  seq?: number;
  points: number;
  events: number;
  outcomes: SamplerOutcome[];
}

export interface AgentSummary {
  spool: SpoolStats;
  shipper: ShipperStats;
  ticks: number;
  samplerFailures: Record<string, number>;
}

export interface Agent {
  readonly streamId: string;
  readonly spool: Spool;
  readonly shipper: Shipper;
  /** Samples once and commits the batch to the spool (no shipping). */
  tick(): Promise<TickResult>;
  /** Emits the start event, then runs the tick loop and the shipper until stop(). */
  start(): void;
  stop(): Promise<AgentSummary>;
}
