import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { MetricReading } from '../types.ts';
import type { PromSample } from './prometheus-text.ts';

/**
 * An inference server's own /metrics, mapped onto Perimeter's few series so one dashboard reads
 * every server: tokens in and out, finished requests and the seconds they took, requests running
 * and waiting, per model where the server labels it. Names per server (research note §2, §3, §6):
 * - llama-server (`--metrics`): `llamacpp:prompt_tokens_total`, `llamacpp:tokens_predicted_total`,
 *   `llamacpp:requests_processing`, `llamacpp:requests_deferred`; it has no request counter and no
 *   latency histogram, so those series are absent rather than invented;
 * - vLLM (`vllm/v1/metrics/loggers.py`): `vllm:prompt_tokens_total`, `vllm:generation_tokens_total`,
 *   `vllm:request_success_total`, `vllm:e2e_request_latency_seconds_sum`, `vllm:num_requests_running`,
 *   `vllm:num_requests_waiting`, labelled `model_name` (summed over `engine`, `finished_reason`);
 * - TGI (`docs/source/reference/metrics.md`): `tgi_request_input_length_sum`,
 *   `tgi_request_generated_tokens_sum`, `tgi_request_count`, `tgi_request_duration_sum`,
 *   `tgi_batch_current_size`, `tgi_queue_size` (with or without `_total` on counters).
 */
export type ServerKind = 'llama-server' | 'vllm' | 'tgi';

interface Mapping {
  input?: string[];
  output?: string[];
  requests?: string[];
  durationSum?: string[];
  running?: string[];
  waiting?: string[];
  modelLabel?: string;
}

const MAPPINGS: Record<ServerKind, Mapping> = {
  'llama-server': {
    input: ['llamacpp:prompt_tokens_total'],
    output: ['llamacpp:tokens_predicted_total'],
    running: ['llamacpp:requests_processing'],
    waiting: ['llamacpp:requests_deferred'],
  },
  vllm: {
    input: ['vllm:prompt_tokens_total'],
    output: ['vllm:generation_tokens_total'],
    requests: ['vllm:request_success_total'],
    durationSum: ['vllm:e2e_request_latency_seconds_sum'],
    running: ['vllm:num_requests_running'],
    waiting: ['vllm:num_requests_waiting'],
    modelLabel: 'model_name',
  },
  tgi: {
    input: ['tgi_request_input_length_sum'],
    output: ['tgi_request_generated_tokens_sum'],
    requests: ['tgi_request_count', 'tgi_request_count_total'],
    durationSum: ['tgi_request_duration_sum'],
    running: ['tgi_batch_current_size'],
    waiting: ['tgi_queue_size'],
  },
};

export interface ServerTarget {
  kind: ServerKind;
  /** host:port the server answers on (semconv `server.address`). */
  address: string;
}

export function serverReadings(samples: readonly PromSample[], target: ServerTarget): MetricReading[] {
  const mapping = MAPPINGS[target.kind];
  const base = {
    [AttributeNames.inferenceServerKind]: target.kind,
    [AttributeNames.serverAddress]: target.address,
  };
  const readings: MetricReading[] = [];
  const add = (
    names: string[] | undefined,
    metric: MetricReading['metric'],
    extra: Record<string, string>,
  ) => {
    if (names === undefined) return;
    const byModel = new Map<string, number>();
    for (const sample of samples) {
      if (!names.includes(sample.name)) continue;
      const model = mapping.modelLabel === undefined ? '' : (sample.labels[mapping.modelLabel] ?? '');
      byModel.set(model, (byModel.get(model) ?? 0) + sample.value);
    }
    for (const [model, value] of byModel) {
      readings.push({
        metric,
        value,
        attributes: {
          ...base,
          ...extra,
          ...(model === '' ? {} : { [AttributeNames.genAiRequestModel]: model }),
        },
      });
    }
  };
  add(mapping.input, MetricNames.inferenceServerTokens, { [AttributeNames.genAiTokenType]: 'input' });
  add(mapping.output, MetricNames.inferenceServerTokens, { [AttributeNames.genAiTokenType]: 'output' });
  add(mapping.requests, MetricNames.inferenceServerRequests, {});
  add(mapping.durationSum, MetricNames.inferenceServerRequestDuration, {});
  add(mapping.running, MetricNames.inferenceServerRequestsActive, {
    [AttributeNames.inferenceRequestState]: 'running',
  });
  add(mapping.waiting, MetricNames.inferenceServerRequestsActive, {
    [AttributeNames.inferenceRequestState]: 'waiting',
  });
  return readings;
}

export function serverUpReading(target: ServerTarget, up: boolean): MetricReading {
  return {
    metric: MetricNames.inferenceServerUp,
    value: up ? 1 : 0,
    attributes: {
      [AttributeNames.inferenceServerKind]: target.kind,
      [AttributeNames.serverAddress]: target.address,
    },
  };
}
