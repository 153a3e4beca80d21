import type { AgentConfig, EventName, MetricName } from '@perimeter/schema';
import type { ProbeRow } from '../capture/probe-catalogue.ts';
import type { Clock } from '../host/clock.ts';
import type { FetchText } from '../host/fetch-text.ts';
import type { FsRoot } from '../host/fs-root.ts';
import type { RunCommand } from '../host/run-command.ts';
import type { SourceHealth } from './source-health.ts';
import type { SamplerStateStore } from './state-store.ts';
import type { SystemSource } from './system/index.ts';

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
  /**
   * CPU, memory and filesystems, which the system sampler reads through a library rather than
   * runCommand. Absent: the real one; null: this world cannot offer it (a capture without it).
   */
  systemSource?: SystemSource | null;
}

/** Per-node settings a sampler needs beyond the world (the agent config's `hardware` section). */
export interface SamplerOptions {
  /** Where `macmon serve` answers, when the operator runs it (default http://127.0.0.1:9090/metrics). */
  macmonUrl?: string;
  /** Run powermetrics through `sudo -n` (needs deploy/sudoers/perimeter-powermetrics). Off by default. */
  powermetricsViaSudo?: boolean;
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
  /**
   * Whether the source can read what it follows (source-health.ts); called on every change. Each
   * change becomes an `agent.lifecycle` event and the `perimeter.source.up` metric.
   */
  reportHealth?(health: SourceHealth): void;
  /** Events between fromMs and toMs may be missing and cannot be fetched again: recorded as a gap. */
  reportGap?(gap: { fromMs: number; toMs: number; detail: string }): void;
}

export interface EventStream {
  readonly name: string;
  start(io: EventStreamIo): void;
  /** Stops following; resolves when nothing more will be delivered. */
  stop(): Promise<void>;
}

/** What a source gets from the world: a sampler's seams plus a sleep that a stop can abort. */
export interface SourceContext extends SamplerContext {
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The agent config sections a source may own (schemas in @perimeter/schema's agentConfigSchema). */
export type SourceConfigKey = keyof AgentConfig;
type SettingsOf<Key> = Key extends SourceConfigKey ? AgentConfig[Key] : undefined;

/**
 * One source of readings or events, registered once in samplers/registry.ts (node_exporter's
 * registerCollector, Alloy's component.Register): its name, the config section it reads (whose
 * zod schema is `agentConfigSchema.shape[configKey]`) and its factories. The agent, `once`,
 * `capture` and `probe` only ever go through these fields; nothing switches on a source's name.
 */
export interface SourceDefinition<Key extends SourceConfigKey | undefined = SourceConfigKey | undefined> {
  name: string;
  /** Enabled unless config says `samplers.<name>.enabled: false`. */
  defaultEnabled: boolean;
  platforms: readonly NodeJS.Platform[];
  /** The agent config section handed to the factories as `settings`. */
  configKey?: Key;
  /** Why it cannot run against a replayed capture; absent when it can. */
  notReplayable?: string;
  /** A sampler, collected once per round. */
  createSampler?(context: SourceContext, settings: SettingsOf<Key>): Sampler;
  /** Streams followed as they grow (`run` only): created once, started with the agent. */
  createStreams?(context: SourceContext, settings: SettingsOf<Key>): EventStream[];
  /** `probe` rows for what a round cannot show (a followed log's readability). */
  probeRows?(context: SourceContext, settings: SettingsOf<Key>): ProbeRow[];
}
