import { driftSamplerDefinition } from './drift/index.ts';
import { fansSamplerDefinition } from './fans/index.ts';
import { gpuSamplerDefinition } from './gpu/index.ts';
import { systemSamplerDefinition } from './system/index.ts';
import { thermalSamplerDefinition } from './thermal/index.ts';
import type { SamplerDefinition } from './types.ts';

/**
 * Which samplers run, decided once at start-up, as node_exporter's registerCollector does: each
 * sampler declares whether it is on by default and where it can run, and config
 * `samplers.<name>.enabled` overrides the default per name. Selection is pure, so the agent can
 * log exactly what it chose and why before the first sample.
 */

export const defaultSamplerDefinitions: readonly SamplerDefinition[] = [
  systemSamplerDefinition,
  thermalSamplerDefinition,
  fansSamplerDefinition,
  gpuSamplerDefinition,
  driftSamplerDefinition,
];

export type SamplerToggles = Readonly<Record<string, { enabled?: boolean | undefined }>>;

export interface SelectSamplersOptions {
  platform: NodeJS.Platform;
  /** The agent config's `samplers` section. */
  toggles: SamplerToggles;
}

/** The definitions that are enabled (config over default) and can run on this platform, in list order. */
export function selectSamplers(
  definitions: readonly SamplerDefinition[],
  { platform, toggles }: SelectSamplersOptions,
): SamplerDefinition[] {
  return definitions.filter(
    (definition) =>
      (toggles[definition.name]?.enabled ?? definition.defaultEnabled) &&
      definition.platforms.includes(platform),
  );
}

/**
 * Toggle names that match no sampler. zod cannot know the sampler names, so without this a typo
 * (`samplers.thermals.enabled: false`) would be accepted and silently change nothing; the config
 * layer should reject these with the key path.
 */
export function unknownSamplerToggles(
  definitions: readonly SamplerDefinition[],
  toggles: SamplerToggles,
): string[] {
  const known = new Set(definitions.map((definition) => definition.name));
  return Object.keys(toggles).filter((name) => !known.has(name));
}
