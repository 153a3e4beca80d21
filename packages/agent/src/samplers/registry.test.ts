import { describe, expect, it } from 'vitest';
import { defaultSamplerDefinitions, selectSamplers, unknownSamplerToggles } from './registry.ts';
import type { SamplerDefinition } from './types.ts';

const definition = (
  name: string,
  defaultEnabled: boolean,
  platforms: NodeJS.Platform[],
): SamplerDefinition => ({
  name,
  defaultEnabled,
  platforms,
  create: () => ({ name, collect: async () => ({ status: 'not-available-here', reason: 'test' }) }),
});

const definitions = [
  definition('system', true, ['linux', 'darwin']),
  definition('gpu', true, ['linux']),
  definition('powermetrics', false, ['darwin']),
];
const names = (selected: SamplerDefinition[]) => selected.map((d) => d.name);

describe('selectSamplers', () => {
  it('runs the default-enabled samplers that support this platform, in list order', () => {
    expect(names(selectSamplers(definitions, { platform: 'linux', toggles: {} }))).toEqual(['system', 'gpu']);
    expect(names(selectSamplers(definitions, { platform: 'darwin', toggles: {} }))).toEqual(['system']);
  });

  it('lets samplers.<name>.enabled turn a sampler off or on', () => {
    const toggles = { gpu: { enabled: false }, powermetrics: { enabled: true } };
    expect(names(selectSamplers(definitions, { platform: 'linux', toggles }))).toEqual(['system']);
    expect(names(selectSamplers(definitions, { platform: 'darwin', toggles }))).toEqual([
      'system',
      'powermetrics',
    ]);
  });

  it('keeps the default when a toggle leaves enabled unset', () => {
    expect(names(selectSamplers(definitions, { platform: 'linux', toggles: { gpu: {} } }))).toEqual([
      'system',
      'gpu',
    ]);
  });

  it('never runs a sampler on a platform it does not support, even when enabled', () => {
    const toggles = { powermetrics: { enabled: true } };
    expect(names(selectSamplers(definitions, { platform: 'linux', toggles }))).toEqual(['system', 'gpu']);
    expect(selectSamplers(definitions, { platform: 'win32', toggles })).toEqual([]);
  });
});

describe('unknownSamplerToggles', () => {
  it('names toggles that match no sampler, so a typo in config is reported', () => {
    expect(
      unknownSamplerToggles(definitions, { gpu: { enabled: false }, thermals: { enabled: false } }),
    ).toEqual(['thermals']);
  });
});

describe('defaultSamplerDefinitions', () => {
  it('lists system, thermal, fans, gpu and drift, once each, enabled on Linux and macOS', () => {
    const all = ['system', 'thermal', 'fans', 'gpu', 'drift'];
    expect(defaultSamplerDefinitions.map((d) => d.name)).toEqual(all);
    expect(names(selectSamplers(defaultSamplerDefinitions, { platform: 'linux', toggles: {} }))).toEqual(all);
    expect(names(selectSamplers(defaultSamplerDefinitions, { platform: 'darwin', toggles: {} }))).toEqual(
      all,
    );
  });
});
