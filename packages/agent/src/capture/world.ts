import type { Clock } from '../host/clock.ts';
import type { FetchText } from '../host/fetch-text.ts';
import type { FsRoot } from '../host/fs-root.ts';
import type { RunCommand } from '../host/run-command.ts';
import { DRIFT_SAMPLER_NAME } from '../samplers/drift/sampler.ts';
import { createQuietLogger } from '../samplers/quiet-log.ts';
import { defaultSamplerDefinitions, type SamplerToggles, selectSamplers } from '../samplers/registry.ts';
import type { SamplerStateStore } from '../samplers/state-store.ts';
import { createSystemSampler, SYSTEM_SAMPLER_NAME, type SystemSource } from '../samplers/system/index.ts';
import type { Logger, Sampler, SamplerContext, SamplerOptions } from '../samplers/types.ts';

/**
 * What a sampling round reads from: the host (real, recorded or replayed from a capture) behind
 * the samplers' own seams. The system sampler calls systeminformation directly rather than
 * runCommand, so its source travels here too; `null` means "cannot be replayed" and that sampler
 * then says so instead of reporting the replaying machine's CPU and memory as the captured host's.
 */
export interface HostWorld {
  host: { hostname: string; platform: NodeJS.Platform; arch: string };
  fs: FsRoot;
  runCommand: RunCommand;
  /** Local HTTP readers (macmon serve); captured and replayed like commands. */
  fetchText: FetchText;
  systemSource: SystemSource | null;
  /** A capture being replayed: samplers that read more than commands and files say they cannot. */
  replayed?: boolean;
}

export const NOT_REPLAYABLE = 'not replayable from a capture (it has no systeminformation record)';
export const DRIFT_NOT_REPLAYABLE =
  'not replayable from a capture (drift checks also read file ages and the agent’s own user)';

export interface CreateSamplersOptions {
  toggles: SamplerToggles;
  clock: Clock;
  log: Logger & { child?(bindings: object): Logger };
  /** The agent config's `hardware` and `drift` settings. */
  samplerOptions?: SamplerOptions;
  state?: SamplerStateStore;
  /** Lets a caller give each sampler its own view of the world (probe records per sampler). */
  contextFor?: ((name: string, context: SamplerContext) => SamplerContext) | undefined;
}

export function createSamplers(world: HostWorld, options: CreateSamplersOptions): Sampler[] {
  const definitions = selectSamplers(defaultSamplerDefinitions, {
    platform: world.host.platform,
    toggles: options.toggles,
  });
  return definitions.map((definition) => {
    const base: SamplerContext = {
      clock: options.clock,
      runCommand: world.runCommand,
      fetchText: world.fetchText,
      fs: world.fs,
      // One warning per distinct problem, not one per round (samplers/quiet-log.ts).
      log: createQuietLogger(options.log.child?.({ sampler: definition.name }) ?? options.log),
      platform: world.host.platform,
      ...(options.samplerOptions === undefined ? {} : { options: options.samplerOptions }),
      ...(options.state === undefined ? {} : { state: options.state }),
    };
    const context = options.contextFor?.(definition.name, base) ?? base;
    if (world.replayed === true && definition.name === DRIFT_SAMPLER_NAME) {
      return {
        name: definition.name,
        collect: async () => ({ status: 'not-available-here', reason: DRIFT_NOT_REPLAYABLE }),
      };
    }
    if (definition.name !== SYSTEM_SAMPLER_NAME) return definition.create(context);
    const source = world.systemSource;
    if (source === null) {
      return {
        name: definition.name,
        collect: async () => ({ status: 'not-available-here', reason: NOT_REPLAYABLE }),
      };
    }
    return createSystemSampler(context, source);
  });
}
