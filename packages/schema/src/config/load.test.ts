import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentConfigSchema, agentFlagKeys } from './agent.ts';
import { collectorConfigSchema, collectorFlagKeys } from './collector.ts';
import { envNameFor, loadConfig } from './load.ts';

function yamlFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'perimeter-config-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('config loading', () => {
  it('applies defaults with no file, flags or env', () => {
    const config = loadConfig(collectorConfigSchema, collectorFlagKeys, {});
    expect(config.listen).toBe('127.0.0.1:4318');
    expect(config.dataDir).toBe('./.perimeter/collector');
    expect(config.limits.maxDecompressedBytes).toBe(64 * 1024 * 1024);
  });

  it('gives the agent its ship defaults, the refused-connection cap included, and reads them from a file', () => {
    expect(loadConfig(agentConfigSchema, agentFlagKeys, {}).ship).toMatchObject({
      initialBackoff: 500,
      maxBackoff: 10_000,
      maxRefusedBackoff: 2_000,
    });
    const file = yamlFile('ship:\n  maxRefusedBackoff: 500ms\n');
    expect(loadConfig(agentConfigSchema, agentFlagKeys, { file }).ship).toMatchObject({
      maxBackoff: 10_000,
      maxRefusedBackoff: 500,
    });
  });

  it('prefers flag over env over file', () => {
    const file = yamlFile('interval: 30s\ndataDir: /from/file\nnodeId: from-file\n');
    const env = { PERIMETER_DATA_DIR: '/from/env', PERIMETER_NODE_ID: 'from-env' };
    const config = loadConfig(agentConfigSchema, agentFlagKeys, {
      file,
      env,
      flags: { nodeId: 'from-flag' },
    });
    expect(config).toMatchObject({ interval: 30_000, dataDir: '/from/env', nodeId: 'from-flag' });
    expect(envNameFor('dataDir')).toBe('PERIMETER_DATA_DIR');
  });

  it('names the key and the file in a validation error', () => {
    const file = yamlFile('limits:\n  maxBodyBytes: lots\n');
    expect(() => loadConfig(collectorConfigSchema, collectorFlagKeys, { file })).toThrowError(
      new RegExp(`${file}: limits.maxBodyBytes: "lots" is not a size`),
    );
    expect(() => loadConfig(agentConfigSchema, agentFlagKeys, { flags: { interval: 'soon' } })).toThrowError(
      /interval/,
    );
    expect(() =>
      loadConfig(collectorConfigSchema, collectorFlagKeys, { flags: { listen: 'nowhere' } }),
    ).toThrowError(/listen: expected HOST:PORT/);
  });

  it('refuses unknown keys and unreadable or non-YAML files with the path', () => {
    expect(() =>
      loadConfig(collectorConfigSchema, collectorFlagKeys, { file: yamlFile('lisen: 1.2.3.4:1\n') }),
    ).toThrowError(/lisen/);
    expect(() =>
      loadConfig(collectorConfigSchema, collectorFlagKeys, { file: '/nonexistent/c.yaml' }),
    ).toThrowError(/\/nonexistent\/c.yaml: cannot read config file \(ENOENT\)/);
    expect(() =>
      loadConfig(collectorConfigSchema, collectorFlagKeys, { file: yamlFile('a: [\n') }),
    ).toThrowError(/not valid YAML/);
  });
});
