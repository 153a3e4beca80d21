import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { SpoolSignal } from '../spool/types.ts';

/**
 * Reads `partial_success` from a 2xx OTLP answer. The spec says a partial success MUST NOT be
 * retried, so the batch is still deleted; what was rejected is counted and logged, never silent.
 * An unreadable answer body is not an error: the 2xx already means "stored".
 */
export interface PartialSuccess {
  rejected: number;
  message: string;
}

export function readPartialSuccess(
  signal: SpoolSignal,
  contentType: string | null,
  body: Uint8Array,
): PartialSuccess | undefined {
  if (body.byteLength === 0) {
    return undefined;
  }
  try {
    const partial = contentType?.includes('json')
      ? (JSON.parse(new TextDecoder().decode(body)) as { partialSuccess?: Record<string, unknown> })
          .partialSuccess
      : signal === 'metrics'
        ? ProtobufMetricsSerializer.deserializeResponse(body).partialSuccess
        : ProtobufLogsSerializer.deserializeResponse(body).partialSuccess;
    if (!partial) {
      return undefined;
    }
    const counts = partial as {
      rejectedDataPoints?: unknown;
      rejectedLogRecords?: unknown;
      errorMessage?: unknown;
    };
    const rejected = Number(counts.rejectedDataPoints ?? counts.rejectedLogRecords ?? 0);
    const message = typeof counts.errorMessage === 'string' ? counts.errorMessage : '';
    return rejected > 0 || message !== ''
      ? { rejected: Number.isFinite(rejected) ? rejected : 0, message }
      : undefined;
  } catch {
    return undefined;
  }
}
