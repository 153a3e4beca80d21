import { describe, expect, it } from 'vitest';
import { issueTokens, jsonEvents, postLogs } from '../test-support/loopback-collector.ts';
import {
  inferenceRequestEvent,
  loopbackCollectorPerTest,
} from '../test-support/loopback-collector-fixture.ts';

const STREAM = '7d3c2b1a-0000-4000-8000-00000000b019';

/** Every request in these tests is alice's. */
function request(timeMs: number, status: number, tokens?: { input: number; output: number }) {
  return inferenceRequestEvent(timeMs, 'alice@example.com', status, tokens);
}

async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

describe('inference and model counters derived from events, over loopback HTTP', () => {
  const loopback = loopbackCollectorPerTest('perimeter-inference-counts-');

  it('counts requests per code, tokens per direction, integrity failures and changes; once per batch; across a restart', async () => {
    const tokens = issueTokens(loopback.dataDir, [
      { nodeId: 'gpu-1', role: 'node' },
      { nodeId: 'gpu-2', role: 'node' },
    ]);
    let collector = await loopback.start();
    const t0 = Date.now();
    const first = jsonEvents({
      nodeId: 'gpu-1',
      events: [
        request(t0, 200, { input: 450, output: 1240 }),
        request(t0 + 1, 200, { input: 50, output: 10 }),
        request(t0 + 2, 401),
        request(t0 + 3, 403),
        {
          name: 'model.integrity',
          timeMs: t0 + 4,
          attributes: {
            'model.name': 'llama3.3:70b',
            'model.path': '/usr/share/ollama/.ollama/models/blobs/sha256-b8c7e4',
            expected: 'sha256:b8c7e4',
            observed: 'sha256:0000aa',
            outcome: 'mismatch',
          },
        },
        {
          name: 'model.change',
          timeMs: t0 + 5,
          attributes: {
            'model.change': 'replaced',
            'model.name': 'llama3.3:70b',
            'model.digest': 'sha256:0000aa',
            'model.previous_digest': 'sha256:b8c7e4',
            'model.path': '/usr/share/ollama/.ollama/models/blobs/sha256-0000aa',
          },
        },
      ],
    });
    const gpu1 = tokens['gpu-1/node'] as string;
    expect((await postLogs(collector.url, gpu1, first, { stream: STREAM, seq: 1 })).status).toBe(200);
    // gpu-2 is known (it sent a batch) but has served nothing: its series exist at 0.
    const quiet = jsonEvents({
      nodeId: 'gpu-2',
      events: [{ name: 'agent.lifecycle', timeMs: t0, attributes: {} }],
    });
    expect((await postLogs(collector.url, tokens['gpu-2/node'] as string, quiet)).status).toBe(200);

    const text = await scrape(collector.url);
    expect(text).toContain('perimeter_inference_requests_total{node="gpu-1",code="200"} 2');
    expect(text).toContain('perimeter_inference_requests_total{node="gpu-1",code="401"} 1');
    expect(text).toContain('perimeter_inference_requests_total{node="gpu-1",code="403"} 1');
    expect(text).toContain('perimeter_inference_tokens_total{node="gpu-1",direction="input"} 500');
    expect(text).toContain('perimeter_inference_tokens_total{node="gpu-1",direction="output"} 1250');
    expect(text).toContain('perimeter_model_integrity_failures_total{node="gpu-1"} 1');
    expect(text).toContain('perimeter_model_changes_total{node="gpu-1",change="replaced"} 1');
    expect(text).toContain('perimeter_model_changes_total{node="gpu-1",change="added"} 0');
    expect(text).toContain('perimeter_inference_requests_total{node="gpu-2",code="401"} 0');
    expect(text).toContain('perimeter_inference_tokens_total{node="gpu-2",direction="output"} 0');
    expect(text).toContain('perimeter_model_integrity_failures_total{node="gpu-2"} 0');
    expect(text).toMatch(/# TYPE perimeter_inference_requests_total counter/);

    // A re-sent batch (same stream and seq) is answered but not counted again.
    expect((await postLogs(collector.url, gpu1, first, { stream: STREAM, seq: 1 })).status).toBe(200);
    await loopback.stop();
    collector = await loopback.start();
    const after = await scrape(collector.url);
    expect(after).toContain('perimeter_inference_requests_total{node="gpu-1",code="200"} 2');
    expect(after).toContain('perimeter_inference_tokens_total{node="gpu-1",direction="input"} 500');
    expect(after).toContain('perimeter_model_integrity_failures_total{node="gpu-1"} 1');
    // Labels stay bounded: users, addresses and model names stay in the events table.
    expect(after).not.toContain('alice');
    expect(after).not.toContain('10.20.30.10');
    expect(after).not.toContain('llama3.3');
  });

  it('skips (and counts) a request without a usable status and a change of unknown kind; odd token values are not counted', async () => {
    const token = issueTokens(loopback.dataDir, [{ nodeId: 'gpu-1', role: 'node' }])['gpu-1/node'] as string;
    const collector = await loopback.start();
    const t0 = Date.now();
    const body = jsonEvents({
      nodeId: 'gpu-1',
      events: [
        {
          ...request(t0, 200),
          attributes: { ...request(t0, 200).attributes, 'http.response.status_code': 'teapot' },
        },
        {
          ...request(t0, 200),
          attributes: { ...request(t0, 200).attributes, 'http.response.status_code': 999 },
        },
        {
          ...request(t0, 200),
          attributes: {
            ...request(t0, 200).attributes,
            'gen_ai.usage.input_tokens': -3,
            'gen_ai.usage.output_tokens': 1.5,
          },
        },
        { name: 'model.change', timeMs: t0, attributes: { 'model.change': 'renamed', 'model.name': 'x' } },
      ],
    });
    expect((await postLogs(collector.url, token, body)).status).toBe(200);
    const text = await scrape(collector.url);
    expect(text).toContain('perimeter_inference_requests_total{node="gpu-1",code="200"} 1');
    expect(text).not.toContain('code="999"');
    expect(text).toContain('perimeter_inference_tokens_total{node="gpu-1",direction="input"} 0');
    expect(text).toContain('perimeter_inference_tokens_total{node="gpu-1",direction="output"} 0');
    expect(text).toContain('perimeter_derive_skipped_events_total{reason="inference_status_unusable"} 2');
    expect(text).toContain('perimeter_derive_skipped_events_total{reason="model_change_unknown"} 1');
  });
});
