import type { EventName, MetricName } from '@perimeter/schema';
import type { Clock } from '../host/clock.ts';
import type { FetchText } from '../host/fetch-text.ts';
import type { FsRoot } from '../host/fs-root.ts';
import type { RunCommand } from '../host/run-command.ts';
import type { SamplerStateStore } from './state-store.ts';

/**
 * The seam between samplers and the rest of the agent. A sampler only says what to read or run
 * (through the injected context) and turns it into readings; it never touches the OTel SDK, the
 * spool or the real clock, so tests feed it real fixture outputs behind the same interfaces.
 */

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SamplerContext {
  clock: Clock;
  runCommand: RunCommand;
  fs: FsRoot;
  log: Logger;
  platform: NodeJS.Platform;
  /** Local HTTP readers (macmon serve). Absent: this host offers none, as if nothing listened. */
  fetchText?: FetchText;
  options?: SamplerOptions;
  /** State kept across restarts (absent: in memory only). */
  state?: SamplerStateStore;
}

/** Per-node settings a sampler needs beyond the world (the agent config's `hardware` section). */
export interface SamplerOptions {
  /** Where `macmon serve` answers, when the operator runs it (default http://127.0.0.1:9090/metrics). */
  macmonUrl?: string;
  /** Run powermetrics through `sudo -n` (needs deploy/sudoers/perimeter-powermetrics). Off by default. */
  powermetricsViaSudo?: boolean;
  /** The agent config's `drift` section: baseline file and how often the checks run. */
  drift?: { baseline?: string | undefined; interval?: number };
}

export type AttributeValue = string | number | boolean;

export interface MetricReading {
  metric: MetricName;
  value: number;
  attributes: Record<string, AttributeValue>;
}

export interface EventReading {
  event: EventName;
  timeMs: number;
  body: string;
  attributes: Record<string, AttributeValue>;
  severity?: 'info' | 'warn' | 'error';
}

/**
 * Expected outcomes are data: `not-available-here` is node_exporter's ErrNoData (no such hardware
 * or command on this host, logged at debug), unlike `error`, which is a real failure.
 */
export type SampleResult =
  | { status: 'ok'; readings: MetricReading[]; events?: EventReading[] }
  | { status: 'not-available-here'; reason: string }
  | { status: 'error'; error: Error };

export interface Sampler {
  readonly name: string;
  collect(): Promise<SampleResult>;
}

/**
 * A source that follows a log as it grows (logins), instead of being sampled each round: events
 * must reach the collector within seconds, and a restart must resume exactly where it stopped.
 * `deliver` commits the events in one spool batch together with the cursor that points past them
 * (it throws if the spool cannot take them; the source then keeps its old position and retries).
 */
export interface EventStreamIo {
  deliver(events: readonly EventReading[], cursor: string): void;
  /** Moves the cursor past lines that held no event, without a batch. */
  advance(cursor: string): void;
  /** The committed cursor, or null on the very first start. */
  readCursor(): string | null;
}

export interface EventStream {
  readonly name: string;
  start(io: EventStreamIo): void;
  /** Stops following; resolves when nothing more will be delivered. */
  stop(): Promise<void>;
}

export interface SamplerDefinition {
  name: string;
  /** Enabled unless config says `samplers.<name>.enabled: false`. */
  defaultEnabled: boolean;
  platforms: readonly NodeJS.Platform[];
  create(context: SamplerContext): Sampler;
}
