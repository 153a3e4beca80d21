import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultNodeId, loadAgentConfig, parseAgentArgs, requireToken } from './config.ts';
import { sourceDefinitions } from './samplers/registry.ts';

describe('parseAgentArgs', () => {
  it('maps kebab-case flags to schema keys and keeps only what was given', () => {
    const parsed = parseAgentArgs([
      'run',
      '--node-id',
      'gpu-07',
      '--data-dir',
      '/var/lib/p',
      '--interval',
      '200ms',
    ]);
    expect(parsed).toEqual({
      command: 'run',
      help: false,
      version: false,
      json: false,
      configFile: undefined,
      flags: { nodeId: 'gpu-07', dataDir: '/var/lib/p', interval: '200ms' },
    });
    expect(parseAgentArgs(['once', '--json', '--config', 'a.yaml'])).toMatchObject({
      json: true,
      configFile: 'a.yaml',
    });
  });

  it('throws a UsageError for unknown flags, commands and extra arguments', () => {
    expect(() => parseAgentArgs(['run', '--colector', 'x'])).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
    expect(() => parseAgentArgs(['ship'])).toThrow(/unknown command "ship"/);
    expect(() => parseAgentArgs(['run', 'now'])).toThrow(/unexpected argument "now"/);
  });
});

describe('loadAgentConfig', () => {
  it('merges flag over PERIMETER_* env over file over default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perimeter-config-'));
    try {
      const file = join(dir, 'agent.yaml');
      writeFileSync(
        file,
        'collector: http://file:4318\ninterval: 30s\nlogLevel: warn\nsamplers:\n  fans:\n    enabled: false\n',
      );
      const config = loadAgentConfig({
        file,
        flags: { interval: '2s' },
        env: { PERIMETER_INTERVAL: '5s', PERIMETER_COLLECTOR: 'http://env:4318', PERIMETER_TOKEN: 'tok' },
        sourceDefinitions,
      });
      expect(config).toMatchObject({
        interval: 2000,
        collector: 'http://env:4318',
        logLevel: 'warn',
        token: 'tok',
        dataDir: './.perimeter/agent',
        samplers: { fans: { enabled: false } },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requires a token for run, naming the key', () => {
    const config = loadAgentConfig({ file: undefined, flags: {}, env: {}, sourceDefinitions: [] });
    expect(() => requireToken(config)).toThrow(expect.objectContaining({ code: 'config', path: 'token' }));
    expect(requireToken({ ...config, token: 't' }).token).toBe('t');
  });
});

describe('defaultNodeId', () => {
  it('reduces a host name to [A-Za-z0-9._-], starting with a letter or digit', () => {
    expect(defaultNodeId('gpu-07.lab.example')).toBe('gpu-07.lab.example');
    expect(defaultNodeId("Jane's MacBook Pro")).toBe('Jane-s-MacBook-Pro');
    expect(defaultNodeId('--weird__')).toBe('weird__');
    expect(defaultNodeId('')).toBe('node');
    expect(defaultNodeId('x'.repeat(300))).toHaveLength(128);
  });
});
