import { release } from 'node:os';
import type { AgentConfig } from '@perimeter/schema';
import type pino from 'pino';
import { createSources, type HostWorld } from '../capture/world.ts';
import { defaultNodeId } from '../config.ts';
import type { Clock, Sleeper } from '../host/clock.ts';
import { createLateStateStore } from '../samplers/state-store.ts';
import type { Logger, SourceContext } from '../samplers/types.ts';
import { DEFAULT_SAMPLER_TIMEOUT_MS } from '../telemetry/agent-types.ts';
import { createSampleRunner, type SampleRound } from '../telemetry/sample-round.ts';

/**
 * What every command body receives from main.ts, which alone builds the real world (clock,
 * timers, random, child processes, the filesystem root, pino on stderr). A command body only
 * composes these; a test can hand it a world of its own.
 */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CommandHost {
  config: AgentConfig;
  io: CliIo;
  log: pino.Logger;
  clock: Clock;
  sleep: Sleeper['sleep'];
  random: () => number;
  serviceVersion: string;
  /** The world the sources read: the real host, or a capture when `--from-capture` is given. */
  world: HostWorld;
  /** The real host, even when `world` is a replayed capture (capture wraps this one). */
  realWorld(): HostWorld;
}

/** The enabled sources on a world, with the node id and host facts the outputs carry. */
export function openSources(
  host: CommandHost,
  world: HostWorld = host.world,
  contextFor?: (name: string, context: SourceContext) => SourceContext,
) {
  const state = createLateStateStore();
  const sources = createSources(world, {
    config: host.config,
    clock: host.clock,
    sleep: host.sleep,
    log: host.log as unknown as Logger,
    state,
    contextFor,
  });
  return {
    ...sources,
    state,
    host: { ...world.host, release: release() },
    nodeId: host.config.nodeId ?? defaultNodeId(world.host.hostname),
  };
}

/** One round of the given samplers, as `run` takes it each interval. */
export function sampleOnce(
  host: CommandHost,
  samplers: ReturnType<typeof openSources>['samplers'],
): Promise<SampleRound> {
  const runner = createSampleRunner({
    samplers,
    clock: host.clock,
    sleep: host.sleep,
    log: host.log,
    timeoutMs: DEFAULT_SAMPLER_TIMEOUT_MS,
  });
  return runner.run();
}
