import type { AgentConfig } from '@perimeter/schema';
import type { Clock } from '../host/clock.ts';
import type { FetchText } from '../host/fetch-text.ts';
import type { FsRoot } from '../host/fs-root.ts';
import type { RunCommand } from '../host/run-command.ts';
import { createQuietLogger } from '../samplers/quiet-log.ts';
import { selectSources, sourceDefinitions } from '../samplers/registry.ts';
import type { SamplerStateStore } from '../samplers/state-store.ts';
import type { SystemSource } from '../samplers/system/index.ts';
import type { EventStream, Logger, Sampler, SourceContext, SourceDefinition } from '../samplers/types.ts';
import type { ProbeRow } from './probe-catalogue.ts';

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
  /** A capture being replayed: sources that declare `notReplayable` say so instead of running. */
  replayed?: boolean;
}

export interface CreateSourcesOptions {
  /** `samplers.<name>.enabled` and each source's own section. */
  config: AgentConfig;
  clock: Clock;
  sleep: SourceContext['sleep'];
  log: Logger & { child?(bindings: object): Logger };
  state?: SamplerStateStore;
  /** Lets a caller give each sampler its own view of the world (probe records per sampler). */
  contextFor?: ((name: string, context: SourceContext) => SourceContext) | undefined;
  /** The registry (tests pass their own). */
  definitions?: readonly SourceDefinition[];
}

/** The enabled sources on one world, through their registered factories only. */
export interface Sources {
  /** One per source with a sampler, in registry order: what a round collects. */
  samplers: Sampler[];
  /** The followed streams (`run` only; creating them chooses and logs what is followed). */
  createStreams(): EventStream[];
  /** The `probe` rows sources add beyond what a round shows. */
  probeRows(): ProbeRow[];
}

export function createSources(world: HostWorld, options: CreateSourcesOptions): Sources {
  const selected = selectSources(options.definitions ?? sourceDefinitions, {
    platform: world.host.platform,
    toggles: options.config.samplers,
  });
  const contextOf = (definition: SourceDefinition): SourceContext => ({
    clock: options.clock,
    sleep: options.sleep,
    runCommand: world.runCommand,
    fetchText: world.fetchText,
    fs: world.fs,
    log: options.log.child?.({ sampler: definition.name }) ?? options.log,
    platform: world.host.platform,
    systemSource: world.systemSource,
    ...(options.state === undefined ? {} : { state: options.state }),
  });
  const settingsOf = (definition: SourceDefinition) =>
    definition.configKey === undefined ? undefined : options.config[definition.configKey];
  const runsHere = (definition: SourceDefinition) =>
    world.replayed !== true || definition.notReplayable === undefined;

  const samplers = selected.flatMap((definition): Sampler[] => {
    if (definition.createSampler === undefined) return [];
    const base = contextOf(definition);
    // One warning per distinct problem, not one per round (samplers/quiet-log.ts).
    const quiet = { ...base, log: createQuietLogger(base.log) };
    const context = options.contextFor?.(definition.name, quiet) ?? quiet;
    if (!runsHere(definition)) {
      const reason = definition.notReplayable ?? '';
      return [{ name: definition.name, collect: async () => ({ status: 'not-available-here', reason }) }];
    }
    return [definition.createSampler(context, settingsOf(definition))];
  });
  return {
    samplers,
    createStreams: () =>
      selected
        .filter(runsHere)
        .flatMap(
          (definition) => definition.createStreams?.(contextOf(definition), settingsOf(definition)) ?? [],
        ),
    probeRows: () =>
      selected
        .filter(runsHere)
        .flatMap((definition) => definition.probeRows?.(contextOf(definition), settingsOf(definition)) ?? []),
  };
}
