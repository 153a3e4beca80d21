import { readFileSync } from 'node:fs';
import { AttributeNames, MetricNames } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.ts';
import { serverReadings } from './server-metrics.ts';

const text = (name: string) => readFileSync(new URL(`testdata/${name}`, import.meta.url), 'utf8');
const pick = (
  readings: ReturnType<typeof serverReadings>,
  metric: string,
  extra: Record<string, string> = {},
) =>
  readings.find((r) => r.metric === metric && Object.entries(extra).every(([k, v]) => r.attributes[k] === v))
    ?.value;

describe('inference server metrics', () => {
  it('llama-server: tokens and queue from its real /metrics; no invented request or latency series', () => {
    const readings = serverReadings(parsePrometheusText(text('llama-server-metrics.txt')), {
      kind: 'llama-server',
      address: '127.0.0.1:8080',
    });
    expect(
      pick(readings, MetricNames.inferenceServerTokens, { [AttributeNames.genAiTokenType]: 'input' }),
    ).toBe(6886);
    expect(
      pick(readings, MetricNames.inferenceServerTokens, { [AttributeNames.genAiTokenType]: 'output' }),
    ).toBe(3469);
    expect(
      pick(readings, MetricNames.inferenceServerRequestsActive, {
        [AttributeNames.inferenceRequestState]: 'running',
      }),
    ).toBe(0);
    expect(readings.some((r) => r.metric === MetricNames.inferenceServerRequests)).toBe(false);
    expect(readings[0]?.attributes).toMatchObject({
      [AttributeNames.inferenceServerKind]: 'llama-server',
      [AttributeNames.serverAddress]: '127.0.0.1:8080',
    });
  });

  it("vLLM: per model, summed over engine and finished_reason; the docs' histogram example parses", () => {
    const readings = serverReadings(parsePrometheusText(text('vllm-metrics-constructed.txt')), {
      kind: 'vllm',
      address: 'gpu1:8000',
    });
    const model = { [AttributeNames.genAiRequestModel]: 'Qwen/Qwen2.5-7B-Instruct' };
    expect(pick(readings, MetricNames.inferenceServerRequests, model)).toBe(100);
    expect(pick(readings, MetricNames.inferenceServerRequestDuration, model)).toBe(250.5);
    expect(
      pick(readings, MetricNames.inferenceServerTokens, {
        ...model,
        [AttributeNames.genAiTokenType]: 'output',
      }),
    ).toBe(8000);
    expect(
      pick(readings, MetricNames.inferenceServerRequestsActive, {
        ...model,
        [AttributeNames.inferenceRequestState]: 'waiting',
      }),
    ).toBe(5);
    const docs = parsePrometheusText(text('vllm-metrics-docs.txt'));
    expect(docs).toHaveLength(9);
    expect(docs[1]).toEqual({
      name: 'vllm:iteration_tokens_total_bucket',
      labels: { le: '1.0', model_name: 'unsloth/Llama-3.2-1B-Instruct' },
      value: 3,
    });
  });
});
