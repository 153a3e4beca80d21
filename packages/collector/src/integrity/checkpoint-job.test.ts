import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectorConfigSchema } from '@perimeter/schema';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startCollector } from '../serve.ts';
import { openStoreFile } from '../store/store-file.ts';
import { issueTokens, postMetrics } from '../test-support/loopback-collector.ts';
import { jsonGauge } from '../test-support/test-collector.ts';
import { createSigningKeyFiles, loadPublicKey } from './keys.ts';
import { verifyStore } from './verify-store.ts';

/**
 * The real serve path over loopback with integrity.signingKey and a file sink: real OTLP in, a
 * checkpoint at start and at shutdown, each kept in the store and written off the box to the file
 * sink's checkpoints/ file of the day; the store then verifies INTACT against that file alone.
 */
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'perimeter-checkpoint-job-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

it('signs checkpoints at start and shutdown, sends them through the file sink, and the store verifies against them', async () => {
  const dataDir = join(work, 'data');
  const keys = createSigningKeyFiles(join(work, 'keys'));
  const token = issueTokens(dataDir, [{ nodeId: 'node-a', role: 'node' }])['node-a/node'] as string;
  const sinkDir = join(work, 'sink');
  const config = collectorConfigSchema.parse({
    listen: '127.0.0.1:0',
    dataDir,
    forward: [{ type: 'file', dir: sinkDir }],
    integrity: { signingKey: keys.privateKeyPath },
  });
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const collector = await startCollector(config, log);
  for (let i = 0; i < 3; i++) {
    const response = await postMetrics(
      collector.url,
      token,
      jsonGauge({ nodeId: 'node-a', points: [{ value: i, timeMs: Date.now() }] }),
    );
    expect(response.status).toBe(200);
  }
  await collector.stop();

  const files = readdirSync(join(sinkDir, 'checkpoints'));
  expect(files).toEqual([`checkpoints-${new Date().toISOString().slice(0, 10)}.jsonl`]);
  const path = join(sinkDir, 'checkpoints', files[0] as string);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  const offBox = readFileSync(path, 'utf8').trim().split('\n');
  expect(offBox.length).toBeGreaterThanOrEqual(2);
  const store = openStoreFile({ dataDir });
  try {
    const verdict = verifyStore({
      store,
      given: [[path, offBox[offBox.length - 1] as string]],
      pinnedKey: loadPublicKey(keys.publicKeyPath).publicKey,
    });
    expect(verdict.problems).toEqual([]);
    expect(verdict.checkpoint).toMatchObject({ seq: offBox.length, keyId: keys.keyId });
  } finally {
    store.close();
  }
  expect(lines.some((line) => line.includes('checkpoints are off'))).toBe(false);
});

it('without a key says once that checkpoints are off and what that leaves unprotected', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const collector = await startCollector(
    collectorConfigSchema.parse({ listen: '127.0.0.1:0', dataDir: join(work, 'data') }),
    log,
  );
  await collector.stop();
  const warnings = lines.filter((line) => line.includes('checkpoints are off'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/recompute every link undetected/);
});
