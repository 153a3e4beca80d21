import { agentConfigSchema } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { createSources, type HostWorld } from '../capture/world.ts';
import { createFsRoot } from '../host/fs-root.ts';
import { createRecordingLogger } from '../test-support/context.ts';
import { selectSources, sourceDefinitions, unknownSourceToggles } from './registry.ts';
import type { EventStream, SourceDefinition } from './types.ts';

const definition = (
  name: string,
  defaultEnabled: boolean,
  platforms: NodeJS.Platform[],
): SourceDefinition => ({
  name,
  defaultEnabled,
  platforms,
  createSampler: () => ({ name, collect: async () => ({ status: 'not-available-here', reason: 'test' }) }),
});

const definitions = [
  definition('system', true, ['linux', 'darwin']),
  definition('gpu', true, ['linux']),
  definition('powermetrics', false, ['darwin']),
];
const names = (selected: readonly { name: string }[]) => selected.map((d) => d.name);

describe('selectSources', () => {
  it('runs the default-enabled sources that support this platform, in list order', () => {
    expect(names(selectSources(definitions, { platform: 'linux', toggles: {} }))).toEqual(['system', 'gpu']);
    expect(names(selectSources(definitions, { platform: 'darwin', toggles: {} }))).toEqual(['system']);
  });

  it('lets samplers.<name>.enabled turn a source off or on', () => {
    const toggles = { gpu: { enabled: false }, powermetrics: { enabled: true } };
    expect(names(selectSources(definitions, { platform: 'linux', toggles }))).toEqual(['system']);
    expect(names(selectSources(definitions, { platform: 'darwin', toggles }))).toEqual([
      'system',
      'powermetrics',
    ]);
  });

  it('keeps the default when a toggle leaves enabled unset', () => {
    expect(names(selectSources(definitions, { platform: 'linux', toggles: { gpu: {} } }))).toEqual([
      'system',
      'gpu',
    ]);
  });

  it('never runs a source on a platform it does not support, even when enabled', () => {
    const toggles = { powermetrics: { enabled: true } };
    expect(names(selectSources(definitions, { platform: 'linux', toggles }))).toEqual(['system', 'gpu']);
    expect(selectSources(definitions, { platform: 'win32', toggles })).toEqual([]);
  });
});

describe('unknownSourceToggles', () => {
  it('names toggles that match no source, so a typo in config is reported', () => {
    expect(
      unknownSourceToggles(definitions, { gpu: { enabled: false }, thermals: { enabled: false } }),
    ).toEqual(['thermals']);
  });
});

describe('sourceDefinitions', () => {
  it('lists system, thermal, fans, gpu, drift, logins, models and inference, once each, enabled on Linux and macOS', () => {
    const all = ['system', 'thermal', 'fans', 'gpu', 'drift', 'logins', 'models', 'inference'];
    expect(names(sourceDefinitions)).toEqual(all);
    expect(names(selectSources(sourceDefinitions, { platform: 'linux', toggles: {} }))).toEqual(all);
    expect(names(selectSources(sourceDefinitions, { platform: 'darwin', toggles: {} }))).toEqual(all);
  });

  it('gives each source a sampler, streams or both, and a config section the schema knows', () => {
    const sections = Object.keys(agentConfigSchema.shape);
    for (const source of sourceDefinitions) {
      expect(source.createSampler ?? source.createStreams, source.name).toBeDefined();
      if (source.configKey !== undefined) expect(sections, source.name).toContain(source.configKey);
    }
  });
});

describe('createSources', () => {
  const world = (replayed: boolean): HostWorld => ({
    host: { hostname: 'h', platform: 'linux', arch: 'x64' },
    fs: createFsRoot('/nonexistent-root'),
    runCommand: async (argv) => ({ status: 'not-found', command: argv[0] ?? '' }),
    fetchText: async () => ({ status: 'unreachable', reason: 'test' }),
    systemSource: null,
    ...(replayed ? { replayed } : {}),
  });
  const stream = (name: string): EventStream => ({ name, start: () => {}, stop: async () => {} });
  const seen: unknown[] = [];
  const followed: SourceDefinition<'logins'> = {
    name: 'followed',
    defaultEnabled: true,
    platforms: ['linux'],
    configKey: 'logins',
    notReplayable: 'live only',
    createSampler: (_context, logins) => {
      seen.push(logins);
      return { name: 'followed', collect: async () => ({ status: 'ok', readings: [] }) };
    },
    createStreams: () => [stream('followed-a'), stream('followed-b')],
    probeRows: () => [{ sampler: 'followed', reading: '*', status: 'available', source: '-', reason: 'x' }],
  };
  const options = (config: object) => ({
    config: agentConfigSchema.parse(config),
    clock: { nowMs: () => 0 },
    sleep: async () => {},
    log: createRecordingLogger(),
    definitions: [definition('plain', true, ['linux']), followed],
  });

  it('hands each factory its own config section and builds streams only when asked', () => {
    seen.length = 0;
    const sources = createSources(world(false), options({ logins: { source: 'off' } }));
    expect(names(sources.samplers)).toEqual(['plain', 'followed']);
    expect(seen).toEqual([{ source: 'off', backfill: true }]);
    expect(names(sources.createStreams())).toEqual(['followed-a', 'followed-b']);
    expect(names(sources.probeRows().map((row) => ({ name: row.sampler })))).toEqual(['followed']);
  });

  it('answers for a source that cannot run from a capture with its stated reason, and follows nothing', async () => {
    const sources = createSources(world(true), options({}));
    const replayed = sources.samplers.find((s) => s.name === 'followed');
    expect(await replayed?.collect()).toEqual({ status: 'not-available-here', reason: 'live only' });
    expect(sources.createStreams()).toEqual([]);
    expect(sources.probeRows()).toEqual([]);
  });

  it('leaves out a source switched off by samplers.<name>.enabled', () => {
    const sources = createSources(world(false), options({ samplers: { followed: { enabled: false } } }));
    expect(names(sources.samplers)).toEqual(['plain']);
    expect(sources.createStreams()).toEqual([]);
  });
});
