import { describe, expect, it } from 'vitest';
import { issueTokens, jsonEvents, postLogs, postMetrics } from '../test-support/loopback-collector.ts';
import {
  loopbackCollectorPerTest,
  ollamaModelAttributes,
} from '../test-support/loopback-collector-fixture.ts';
import { jsonGauge } from '../test-support/test-collector.ts';

const LLAMA = 'sha256:b8c7e4f1d2a1f9b8c7e4f1d2a1f9b8c7e4f1d2a1f9b8c7e4f1d2a1f9b8c7e4f1';
const TAMPERED = 'sha256:0000aa11bb22cc33dd44ee55ff6600aa11bb22cc33dd44ee55ff6600aa11bb22';
const NOMIC = 'sha256:970aa74c0a90ef7482477cf803618e776e173c007bf957f635f1015bfcfef0e6';

function inventoryRound(nodeId: string, timeMs: number, models: Array<[string, string]>): string[] {
  const points = models.map(([name, digest]) => ({
    value: 1,
    timeMs,
    attributes: ollamaModelAttributes(name, digest),
  }));
  const sizes = models.map(([name, digest]) => ({
    value: 42_520_392_800,
    timeMs,
    attributes: ollamaModelAttributes(name, digest),
  }));
  return [
    jsonGauge({ nodeId, name: 'perimeter.model.info', unit: '{model}', points }),
    jsonGauge({ nodeId, name: 'perimeter.model.size', unit: 'By', points: sizes }),
  ];
}

describe('GET /api/v1/models over loopback HTTP', () => {
  const loopback = loopbackCollectorPerTest('perimeter-models-');

  it('lists node × model × digest, names the nodes off the fleet majority, marks integrity, and drops removed models', async () => {
    const tokens = issueTokens(loopback.dataDir, [
      { nodeId: 'gpu-1', role: 'node' },
      { nodeId: 'gpu-2', role: 'node' },
      { nodeId: 'gpu-3', role: 'node' },
      { nodeId: 'auditor', role: 'reader' },
    ]);
    const collector = await loopback.start();
    const url = collector.url;
    const testStart = Date.now();
    const t0 = testStart - 60_000;
    const send = async (node: string, bodies: string[]) => {
      for (const body of bodies) {
        expect((await postMetrics(url, tokens[`${node}/node`] as string, body)).status).toBe(200);
      }
    };
    await send(
      'gpu-1',
      inventoryRound('gpu-1', t0, [
        ['llama3.3:70b', LLAMA],
        ['nomic-embed-text:v1.5', NOMIC],
      ]),
    );
    await send('gpu-2', inventoryRound('gpu-2', t0, [['llama3.3:70b', LLAMA]]));
    await send('gpu-3', inventoryRound('gpu-3', t0, [['llama3.3:70b', TAMPERED]]));
    const integrity = jsonEvents({
      nodeId: 'gpu-3',
      events: [
        {
          name: 'model.integrity',
          timeMs: t0 + 1000,
          attributes: {
            'model.name': 'llama3.3:70b',
            'model.path': `/usr/share/ollama/.ollama/models/blobs/${TAMPERED.replace(':', '-')}`,
            expected: TAMPERED,
            observed: 'sha256:ffff',
            outcome: 'mismatch',
          },
        },
      ],
    });
    expect((await postLogs(url, tokens['gpu-3/node'] as string, integrity)).status).toBe(200);

    const reader = { authorization: `Bearer ${tokens['auditor/reader']}` };
    // A node token may only send: the read API answers 403.
    expect(
      (await fetch(`${url}/api/v1/models`, { headers: { authorization: `Bearer ${tokens['gpu-1/node']}` } }))
        .status,
    ).toBe(403);
    const body = (await (await fetch(`${url}/api/v1/models`, { headers: reader })).json()) as {
      models: Array<Record<string, unknown>>;
      fleet: Array<Record<string, unknown>>;
    };
    expect(body.models.map((m) => [m['node'], m['name'], m['digest'], m['drift']])).toEqual([
      ['gpu-1', 'llama3.3:70b', LLAMA, false],
      ['gpu-1', 'nomic-embed-text:v1.5', NOMIC, false],
      ['gpu-2', 'llama3.3:70b', LLAMA, false],
      ['gpu-3', 'llama3.3:70b', TAMPERED, true],
    ]);
    const gpu3 = body.models[3] as Record<string, unknown>;
    expect(gpu3['sizeBytes']).toBe(42_520_392_800);
    expect(gpu3['manifestDigest']).toBe('sha256:a80c4f17acd5');
    expect(gpu3['lastSeen']).toBe(new Date(t0).toISOString());
    expect(gpu3['integrity']).toMatchObject({
      verdict: 'mismatch',
      expected: TAMPERED,
      observed: 'sha256:ffff',
    });
    expect(body.models[0]?.['integrity']).toEqual({ verdict: 'ok' });
    expect(body.fleet).toContainEqual({
      name: 'llama3.3:70b',
      nodeCount: 3,
      majority: LLAMA,
      majorityNodes: 2,
      digests: [
        { digest: LLAMA, nodes: 2 },
        { digest: TAMPERED, nodes: 1 },
      ],
      outliers: [{ node: 'gpu-3', digest: TAMPERED }],
    });

    // The same answer drives /metrics: the outlier gauge ModelDriftAcrossFleet reads.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('perimeter_model_fleet_outlier{node="gpu-3",model_name="llama3.3:70b"} 1');
    expect(metrics).toContain('perimeter_model_fleet_outlier{node="gpu-1",model_name="llama3.3:70b"} 0');
    expect(metrics).toContain('perimeter_model_integrity_failures_total{node="gpu-3"} 1');

    // gpu-1's next round no longer has nomic-embed-text: it left the inventory.
    await send('gpu-1', inventoryRound('gpu-1', t0 + 60_000, [['llama3.3:70b', LLAMA]]));
    const filtered = (await (await fetch(`${url}/api/v1/models?node=gpu-1`, { headers: reader })).json()) as {
      models: Array<Record<string, unknown>>;
    };
    expect(filtered.models.map((m) => m['name'])).toEqual(['llama3.3:70b']);
    // First seen is when the collector first stored it (this test's first round), not the new round.
    const firstSeen = Date.parse(filtered.models[0]?.['firstSeen'] as string);
    expect(firstSeen).toBeGreaterThanOrEqual(testStart);
    expect(firstSeen).toBeLessThan(Date.now());
    expect(filtered.models[0]?.['lastSeen']).toBe(new Date(t0 + 60_000).toISOString());

    const typo = await fetch(`${url}/api/v1/models?nod=gpu-1`, { headers: reader });
    expect(typo.status).toBe(400);
    expect(await typo.text()).toContain('nod');
  });
});
