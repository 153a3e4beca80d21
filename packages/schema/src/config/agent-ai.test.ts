import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentConfigSchema, agentFlagKeys } from './agent.ts';
import { loadConfig } from './load.ts';

/** The AI workload's config keys (ARCHITECTURE.md "The AI workload"): defaults and errors naming the key. */
function load(text: string) {
  const path = join(mkdtempSync(join(tmpdir(), 'perimeter-config-')), 'agent.yaml');
  writeFileSync(path, text);
  return { path, config: () => loadConfig(agentConfigSchema, agentFlagKeys, { file: path }) };
}

describe('models and inference config', () => {
  it('defaults: 60 s rounds, 50 MiB/s re-hash, server defaults for the stores, nothing followed', () => {
    const config = loadConfig(agentConfigSchema, agentFlagKeys, {});
    expect(config.models).toEqual({ dirs: [], interval: 60_000, hashRate: 50 * 1024 * 1024 });
    expect(config.inference).toEqual({ accessLogs: [], metrics: [] });
  });

  it('reads every key, hashRate with or without /s', () => {
    const { config } = load(`
models:
  ollamaDirs: [/srv/ollama]
  huggingfaceCaches: [/srv/hf]
  dirs: [/srv/gguf]
  interval: 2m
  hashRate: 20MiB/s
inference:
  accessLogs:
    - { path: /var/log/nginx/ai.json, format: nginx-json, userField: ai_user }
    - { path: /var/log/ollama/server.log, format: ollama-gin }
  metrics:
    - { url: "http://127.0.0.1:8000/metrics", kind: vllm }
`);
    expect(config()).toMatchObject({
      models: { ollamaDirs: ['/srv/ollama'], interval: 120_000, hashRate: 20 * 1024 * 1024 },
      inference: {
        accessLogs: [{ userField: 'ai_user' }, { format: 'ollama-gin' }],
        metrics: [{ kind: 'vllm' }],
      },
    });
  });

  it('names the key that is wrong', () => {
    expect(load('models:\n  hashRate: fast\n').config).toThrowError(/models.hashRate: "fast" is not a size/);
    expect(load('inference:\n  accessLogs:\n    - { path: /x, format: apache }\n').config).toThrowError(
      /inference.accessLogs.0.format/,
    );
    expect(load('inference:\n  metrics:\n    - { url: nowhere, kind: vllm }\n').config).toThrowError(
      /inference.metrics.0.url/,
    );
    expect(load('models:\n  dirz: [/x]\n').config).toThrowError(/dirz/);
  });
});
