import type { SourceDefinition } from '../types.ts';
import { createAccessLogStreams } from './access-log-streams.ts';
import { createInferenceMetricsSampler, INFERENCE_SAMPLER_NAME } from './metrics-sampler.ts';
import { inferenceProbeRows } from './probe-rows.ts';

/**
 * Inference access (ARCHITECTURE.md "The AI workload"): the proxy's JSON access logs and Ollama's
 * [GIN] lines followed live as `inference.request` events (config `inference.accessLogs`), and the
 * servers' /metrics scraped each round (config `inference.metrics`).
 */
export const inferenceSourceDefinition: SourceDefinition<'inference'> = {
  name: INFERENCE_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['darwin', 'linux'],
  configKey: 'inference',
  notReplayable: 'access logs are followed live and servers scraped live, not replayed from a capture',
  createSampler: (context, inference) =>
    createInferenceMetricsSampler(inference.metrics, context.fetchText, context.log),
  createStreams: (context, inference) =>
    createAccessLogStreams({
      accessLogs: inference.accessLogs,
      clock: context.clock,
      log: context.log,
      sleep: context.sleep,
    }),
  probeRows: (_context, inference) => inferenceProbeRows(inference.accessLogs, inference.metrics),
};
