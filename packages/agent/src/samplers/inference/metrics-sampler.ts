import type { FetchText } from '../../host/fetch-text.ts';
import type { Sampler } from '../types.ts';
import { parsePrometheusText } from './prometheus-text.ts';
import { type ServerKind, type ServerTarget, serverReadings, serverUpReading } from './server-metrics.ts';

/**
 * The `inference` sampler's round: scrapes each configured `/metrics` (config `inference.metrics`)
 * and reports its tokens, requests, latency and queue (server-metrics.ts) plus
 * `perimeter.inference.server.up` 1/0, which InferenceServerDown is built on. A server that does
 * not answer is a 0, not a sampler error: it is the fact the alert needs.
 */
export const INFERENCE_SAMPLER_NAME = 'inference';

export interface MetricsTarget {
  url: string;
  kind: ServerKind;
}

function addressOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function createInferenceMetricsSampler(
  targets: readonly MetricsTarget[],
  fetchText: FetchText | undefined,
  log: { warn(obj: object, msg?: string): void },
): Sampler {
  const down = new Set<string>();
  return {
    name: INFERENCE_SAMPLER_NAME,
    async collect() {
      if (targets.length === 0)
        return { status: 'not-available-here', reason: 'no inference.metrics configured' };
      const readings = [];
      for (const { url, kind } of targets) {
        const target: ServerTarget = { kind, address: addressOf(url) };
        const result = fetchText === undefined ? null : await fetchText(url);
        if (result?.status !== 'ok') {
          if (!down.has(url)) log.warn({ url, kind, result }, 'inference server metrics not answering');
          down.add(url);
          readings.push(serverUpReading(target, false));
          continue;
        }
        down.delete(url);
        readings.push(
          serverUpReading(target, true),
          ...serverReadings(parsePrometheusText(result.body), target),
        );
      }
      return { status: 'ok', readings };
    },
  };
}
