import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { RunningCollector } from '../serve.ts';
import { startLoopbackCollector } from './loopback-collector.ts';

export interface LoopbackCollectorPerTest {
  /** This test's data directory: new before each test, removed after it. */
  readonly dataDir: string;
  /** Starts the real collector on dataDir; after stop(), again on the same files (a restart). */
  start(): Promise<RunningCollector>;
  /** Stops the running collector (before a restart, or before the test reads the files it wrote). */
  stop(): Promise<void>;
}

/**
 * The loopback-collector tests' setup, owned once: a fresh data directory per test (named
 * `prefix…`), and after each test the collector it left running stopped and the directory removed.
 * Call it inside the `describe`, so its hooks belong to that block.
 */
export function loopbackCollectorPerTest(prefix: string): LoopbackCollectorPerTest {
  let dataDir = '';
  let running: RunningCollector | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get dataDir() {
      return dataDir;
    },
    async start() {
      running = await startLoopbackCollector(dataDir);
      return running;
    },
    async stop() {
      await running?.stop();
      running = undefined;
    },
  };
}

/** perimeter.model.info attributes as the agent's `models` sampler sends them (ARCHITECTURE.md). */
export function ollamaModelAttributes(name: string, digest: string) {
  return {
    'model.name': name,
    'model.source': 'ollama',
    'model.digest': digest,
    'model.manifest_digest': 'sha256:a80c4f17acd5',
    'model.format': 'gguf',
    'model.quantization': 'Q4_K_M',
    'model.parameters': '70.6B',
    'model.path': `/usr/share/ollama/.ollama/models/blobs/${digest.replace(':', '-')}`,
  };
}

/** An inference.request as the agent's access-log sampler sends it (ARCHITECTURE.md "The AI workload"). */
export function inferenceRequestEvent(
  timeMs: number,
  user: string,
  status: number,
  tokens?: { input: number; output: number },
) {
  return {
    name: 'inference.request',
    timeMs,
    attributes: {
      'user.name': user,
      'client.address': '10.20.30.10',
      'http.request.method': 'POST',
      'http.route': '/api/chat',
      'http.response.status_code': status,
      'gen_ai.request.model': 'llama3.3:70b',
      ...(tokens
        ? { 'gen_ai.usage.input_tokens': tokens.input, 'gen_ai.usage.output_tokens': tokens.output }
        : {}),
      'http.server.request.duration': 4.823,
    },
  };
}
