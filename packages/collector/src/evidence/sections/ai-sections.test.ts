import { describe, expect, it } from 'vitest';
import { openStoreFile } from '../../store/store-file.ts';
import { issueTokens, jsonEvents, postLogs, postMetrics } from '../../test-support/loopback-collector.ts';
import {
  inferenceRequestEvent,
  loopbackCollectorPerTest,
  ollamaModelAttributes,
} from '../../test-support/loopback-collector-fixture.ts';
import { jsonGauge } from '../../test-support/test-collector.ts';
import { buildEvidence } from '../build-report.ts';
import { citationLine } from '../section.ts';

/**
 * The AI workload's evidence sections from real OTLP over loopback HTTP, shaped as the agent's
 * `models` and `inference` samplers send it (ARCHITECTURE.md "The AI workload"), read back from the
 * store the collector wrote: inventory with integrity and fleet drift, the access log (per user,
 * per node, failures by status, JSONL in seed 001's shape), the change record and the incidents.
 */
const OLD = 'sha256:b8c7e4f1d2a1f9b8c7e4f1d2a1f9b8c7e4f1d2a1f9b8c7e4f1d2a1f9b8c7e4f1';
const NEW = 'sha256:3a2c1de7f8b23a2c1de7f8b23a2c1de7f8b23a2c1de7f8b23a2c1de7f8b23a2c1d';

const model = (digest: string) => ollamaModelAttributes('llama3.3:70b', digest);

const request = (timeMs: number, user: string, status: number, tokens?: [number, number]) =>
  inferenceRequestEvent(timeMs, user, status, tokens && { input: tokens[0], output: tokens[1] });

describe('AI evidence sections from OTLP over loopback HTTP', () => {
  const loopback = loopbackCollectorPerTest('perimeter-ai-evidence-');

  it('answers inventory, access, change record and tampering with citations', async () => {
    const tokens = issueTokens(loopback.dataDir, [
      { nodeId: 'gpu-1', role: 'node' },
      { nodeId: 'gpu-2', role: 'node' },
    ]);
    const collector = await loopback.start();
    const url = collector.url;
    const t0 = Date.now() - 10 * 60_000;
    const gpu1 = tokens['gpu-1/node'] as string;
    const gpu2 = tokens['gpu-2/node'] as string;
    for (const [token, node, digest] of [
      [gpu1, 'gpu-1', NEW],
      [gpu2, 'gpu-2', OLD],
    ] as const) {
      const points = [{ value: 1, timeMs: t0 + 60_000, attributes: model(digest) }];
      expect(
        (
          await postMetrics(
            url,
            token,
            jsonGauge({ nodeId: node, name: 'perimeter.model.info', unit: '{model}', points }),
          )
        ).status,
      ).toBe(200);
      const size = [{ value: 42_520_392_800, timeMs: t0 + 60_000, attributes: model(digest) }];
      expect(
        (
          await postMetrics(
            url,
            token,
            jsonGauge({ nodeId: node, name: 'perimeter.model.size', unit: 'By', points: size }),
          )
        ).status,
      ).toBe(200);
    }
    const gpu1Events = jsonEvents({
      nodeId: 'gpu-1',
      events: [
        {
          name: 'model.change',
          timeMs: t0,
          attributes: {
            'model.change': 'replaced',
            'model.name': 'llama3.3:70b',
            'model.digest': NEW,
            'model.previous_digest': OLD,
            'model.path': model(NEW)['model.path'],
          },
        },
        {
          name: 'model.integrity',
          timeMs: t0 + 120_000,
          attributes: {
            'model.name': 'llama3.3:70b',
            'model.path': model(NEW)['model.path'],
            expected: NEW,
            observed: 'sha256:ffff0000',
            outcome: 'mismatch',
          },
        },
        request(t0 + 1000, 'alice@example.com', 200, [450, 1240]),
        request(t0 + 2000, 'alice@example.com', 200, [50, 60]),
        request(t0 + 3000, '-', 401),
      ],
    });
    expect((await postLogs(url, gpu1, gpu1Events)).status).toBe(200);
    const gpu2Events = jsonEvents({ nodeId: 'gpu-2', events: [request(t0 + 4000, 'bob@example.com', 500)] });
    expect((await postLogs(url, gpu2, gpu2Events)).status).toBe(200);
    await loopback.stop();

    const store = openStoreFile({ dataDir: loopback.dataDir, readonly: true });
    const report = buildEvidence(store, {
      period: { fromMs: t0 - 60_000, toMs: Date.now() + 60_000 },
      nowMs: () => Date.now(),
      progress: () => {},
      retention: { events: 0, metricDetail: 0, summaries: 0, forwardedRetentionMs: 0, sinks: 0 },
    });
    store.close();
    const section = (id: string) => {
      const found = report.sections.find((s) => s.id === id);
      if (!found) throw new Error(`no section ${id}`);
      return found;
    };

    const models = section('models');
    expect(citationLine(models.controls as NonNullable<typeof models.controls>)).toContain('CC8.1');
    const inventory = (models.json['models'] as { models: Array<Record<string, unknown>> }).models;
    expect(inventory.map((m) => [m['nodeId'], m['digest'], m['sizeBytes']])).toEqual([
      ['gpu-1', NEW, 42_520_392_800],
      ['gpu-2', OLD, 42_520_392_800],
    ]);
    expect(inventory[0]?.['integrity']).toMatchObject({ verdict: 'mismatch', observed: 'sha256:ffff0000' });
    expect(inventory[1]?.['integrity']).toEqual({ verdict: 'ok' });
    // Two nodes, two digests: a tie, so neither is marked as differing from the fleet.
    expect(inventory.map((m) => m['drift'])).toEqual([false, false]);
    expect(models.markdown.join('\n')).toContain('MISMATCH at');
    expect(models.csv['models.csv']).toContain(`gpu-2,llama3.3:70b,ollama,${OLD},sha256:a80c4f17acd5`);

    const access = section('inferenceAccess');
    expect(access.controls?.soc2).toEqual(['CC6.1', 'CC7.2']);
    const jsonl = (access.csv['inference-access.jsonl'] as string)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(Object.keys(jsonl[0])).toEqual([
      'ts',
      'user',
      'ip',
      'model',
      'input_tokens',
      'output_tokens',
      'latency_ms',
      'status',
      'node',
    ]);
    expect(jsonl[0]).toEqual({
      ts: new Date(t0 + 1000).toISOString(),
      user: 'alice@example.com',
      ip: '10.20.30.10',
      model: 'llama3.3:70b',
      input_tokens: 450,
      output_tokens: 1240,
      latency_ms: 4823,
      status: 200,
      node: 'gpu-1',
    });
    expect(jsonl[2]).toMatchObject({ user: '-', status: 401, input_tokens: null });
    const accessJson = access.json['inferenceAccess'] as {
      byUser: Array<Record<string, unknown>>;
      byNode: Array<Record<string, unknown>>;
      failuresByStatus: unknown;
    };
    expect(accessJson.byUser[0]).toEqual({
      user: 'alice@example.com',
      requests: 2,
      refused: 0,
      failed: 0,
      inputTokens: 500,
      outputTokens: 1300,
    });
    expect(accessJson.byNode.map((n) => [n['node'], n['requests'], n['refused']])).toEqual([
      ['gpu-1', 3, 1],
      ['gpu-2', 1, 0],
    ]);
    expect(accessJson.failuresByStatus).toEqual([
      { status: 401, requests: 1 },
      { status: 500, requests: 1 },
    ]);

    const changes = section('modelChanges');
    expect(changes.controls?.soc2).toEqual(['CC8.1']);
    expect(changes.csv['model-changes.csv']).toContain(
      `${new Date(t0).toISOString()},gpu-1,llama3.3:70b,replaced,${OLD},${NEW},`,
    );
    const tampering = section('modelTampering');
    expect(tampering.controls?.soc2).toEqual(['CC7.2', 'CC7.3']);
    expect(tampering.markdown.join('\n')).toContain('1 weights integrity failure(s)');
    expect(tampering.csv['model-tampering.csv']).toContain(
      `gpu-1,llama3.3:70b,${model(NEW)['model.path']},${NEW},sha256:ffff0000,mismatch`,
    );
  });
});
