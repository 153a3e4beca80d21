import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonEvents, postLogs } from '../../packages/collector/src/test-support/loopback-collector.ts';
import { REPO_ROOT } from './processes.ts';

/**
 * An inference node's AI workload as the agent's `models` and `inference` samplers report it
 * (ARCHITECTURE.md "The AI workload"), for the dashboard feeds: a llama-server behind a proxy
 * (perimeter.inference.server.* series; inference.request events with users and tokens, 200s and
 * 401s) and a model inventory of llama.cpp's vocab-only GGUF with its real SHA-256.
 */
const GGUF_BYTES = readFileSync(
  join(REPO_ROOT, 'packages/agent/src/samplers/models/testdata/ggml-vocab-bert-bge.gguf'),
);
const GGUF_SHA256 = createHash('sha256').update(GGUF_BYTES).digest('hex');

/** OTLP/JSON metrics for one round (`round` drives the cumulative counters). */
export function inferenceNodeMetrics(nowNs: string, round: number): unknown[] {
  const server = [
    { key: 'inference.server.kind', value: { stringValue: 'llama-server' } },
    { key: 'server.address', value: { stringValue: '127.0.0.1:8080' } },
  ];
  const model = [
    { key: 'model.name', value: { stringValue: 'ggml-vocab-bert-bge' } },
    { key: 'model.source', value: { stringValue: 'gguf' } },
    { key: 'model.digest', value: { stringValue: `sha256:${GGUF_SHA256}` } },
    { key: 'model.format', value: { stringValue: 'gguf' } },
    { key: 'model.path', value: { stringValue: '/Users/ops/models/ggml-vocab-bert-bge.gguf' } },
  ];
  const gauge = (name: string, unit: string, value: number, attributes: unknown[]) => ({
    name,
    unit,
    gauge: { dataPoints: [{ timeUnixNano: nowNs, asDouble: value, attributes }] },
  });
  const counter = (name: string, unit: string, value: number) => ({
    name,
    unit,
    sum: {
      isMonotonic: true,
      aggregationTemporality: 2,
      dataPoints: [{ timeUnixNano: nowNs, asDouble: value, attributes: server }],
    },
  });
  return [
    gauge('perimeter.model.info', '{model}', 1, model),
    gauge('perimeter.model.size', 'By', GGUF_BYTES.length, model),
    gauge('perimeter.inference.server.up', '{up}', 1, server),
    counter('perimeter.inference.server.requests', '{request}', 3 * round),
    counter('perimeter.inference.server.request.duration', 's', 4.2 * round),
  ];
}

/** Proxy access-log lines as inference.request events: two served with tokens, one refused. */
export async function postInferenceRequests(url: string, token: string, nodeId: string): Promise<void> {
  const now = Date.now();
  const request = (status: number, user: string, tokens: boolean) => ({
    name: 'inference.request',
    timeMs: now,
    attributes: {
      'user.name': user,
      'client.address': '10.20.30.10',
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': status,
      'gen_ai.request.model': 'llama3.3:70b',
      ...(tokens ? { 'gen_ai.usage.input_tokens': 450, 'gen_ai.usage.output_tokens': 1240 } : {}),
      'http.server.request.duration': 4.823,
    },
  });
  const events = [
    request(200, 'alice@example.com', true),
    request(200, 'bob@example.com', true),
    request(401, '-', false),
  ];
  await postLogs(url, token, jsonEvents({ nodeId, events })).catch(() => undefined);
}

/** Whether a /metrics text shows the inference node's workload arrived. */
export function inferenceArrived(text: string, nodeId: string): boolean {
  return (
    new RegExp(`^perimeter_model_info\\{node="${nodeId}",[^}]*model_source="gguf"`, 'm').test(text) &&
    new RegExp(`^perimeter_inference_requests_total\\{node="${nodeId}",code="401"\\} [1-9]`, 'm').test(
      text,
    ) &&
    new RegExp(`^perimeter_inference_server_up\\{node="${nodeId}"`, 'm').test(text)
  );
}
