import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../samplers/types.ts';
import type { Spool, SpoolSignal } from '../spool/types.ts';
import { createMetricsEncoder } from './otlp-metrics-encoder.ts';

/**
 * The OTel metric exporter whose "export" is a committed spool row (events: logger.ts). Each batch
 * is serialized to the exact OTLP protobuf request the shipper will POST
 * (ExportMetricsServiceRequest, otlp-metrics-encoder.ts: the SDK serializer's bytes) and appended BEFORE the result callback reports success: the SDK is
 * told "exported" only once the bytes are durable, so an acknowledged batch survives a crash.
 */
export interface SpoolMetricExporter extends PushMetricExporter {
  /** Seq of the last batch appended by this exporter, for logs and tests. */
  lastSeq(): number | undefined;
}

export function createSpoolMetricExporter(spool: Spool, log: Logger): SpoolMetricExporter {
  let lastSeq: number | undefined;
  const encoder = createMetricsEncoder();
  return {
    export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void) {
      const result = appendSerialized(spool, log, 'metrics', () => encoder.encode(metrics));
      if (result.seq !== undefined) lastSeq = result.seq;
      resultCallback(result.export);
    },
    lastSeq: () => lastSeq,
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

/** Promise form of PushMetricExporter.export, for the agent's tick. */
export function exportMetrics(exporter: PushMetricExporter, metrics: ResourceMetrics): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(metrics, resolve));
}

function appendSerialized(
  spool: Spool,
  log: Logger,
  signal: SpoolSignal,
  serialize: () => Uint8Array | undefined,
): { export: ExportResult; seq?: number } {
  try {
    const body = serialize();
    if (!body) {
      throw new Error(`OTLP ${signal} serializer returned nothing`);
    }
    const seq = spool.append(signal, body);
    return { export: { code: ExportResultCode.SUCCESS }, seq };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    log.error(
      { signal, err: err.message, path: spool.path },
      'could not write the batch to the spool; it is lost',
    );
    return { export: { code: ExportResultCode.FAILED, error: err } };
  }
}
