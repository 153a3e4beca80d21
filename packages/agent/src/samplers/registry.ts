import { driftSourceDefinition } from './drift/index.ts';
import { fansSourceDefinition } from './fans/index.ts';
import { gpuSourceDefinition } from './gpu/index.ts';
import { inferenceSourceDefinition } from './inference/index.ts';
import { loginsSourceDefinition } from './logins/index.ts';
import { modelsSourceDefinition } from './models/index.ts';
import { systemSourceDefinition } from './system/index.ts';
import { thermalSourceDefinition } from './thermal/index.ts';
import type { SourceDefinition } from './types.ts';

/**
 * Every source the agent has, registered once (node_exporter's registerCollector): each
 * definition (types.ts) carries its name, whether it is on by default, where it can run, the config
 * section it reads and its factories. Config `samplers.<name>.enabled` overrides the default per
 * name. Selection is pure, so the agent can log exactly what it chose and why before the first
 * sample. A new source is one folder plus one line here; the order is the order of a round.
 */
export const sourceDefinitions: readonly SourceDefinition[] = [
  systemSourceDefinition,
  thermalSourceDefinition,
  fansSourceDefinition,
  gpuSourceDefinition,
  driftSourceDefinition,
  loginsSourceDefinition,
  modelsSourceDefinition,
  inferenceSourceDefinition,
];

export type SourceToggles = Readonly<Record<string, { enabled?: boolean | undefined }>>;

export interface SelectSourcesOptions {
  platform: NodeJS.Platform;
  /** The agent config's `samplers` section. */
  toggles: SourceToggles;
}

/** The definitions that are enabled (config over default) and can run on this platform, in list order. */
export function selectSources(
  definitions: readonly SourceDefinition[],
  { platform, toggles }: SelectSourcesOptions,
): SourceDefinition[] {
  return definitions.filter(
    (definition) =>
      (toggles[definition.name]?.enabled ?? definition.defaultEnabled) &&
      definition.platforms.includes(platform),
  );
}

/**
 * Toggle names that match no source. zod cannot know the source names, so without this a typo
 * (`samplers.thermals.enabled: false`) would be accepted and silently change nothing; the config
 * layer should reject these with the key path.
 */
export function unknownSourceToggles(
  definitions: readonly SourceDefinition[],
  toggles: SourceToggles,
): string[] {
  const known = new Set(definitions.map((definition) => definition.name));
  return Object.keys(toggles).filter((name) => !known.has(name));
}
