import type { CollectorConfig } from '@perimeter/schema';
import type { AdmissionPolicy } from './admission.ts';

/** The admission policy a config asks for: `ingest.*`, with maxBehind defaulting to each class's retention. */
export function admissionPolicy(config: Pick<CollectorConfig, 'ingest' | 'retention'>): AdmissionPolicy {
  const { ingest, retention } = config;
  return {
    maxAheadMs: ingest.maxAhead,
    maxBehindMs: {
      points: ingest.maxBehind ?? retention.metricDetail,
      events: ingest.maxBehind ?? retention.events,
    },
    maxSeriesPerNode: ingest.maxSeriesPerNode,
    maxNewSeriesPerRequest: ingest.maxNewSeriesPerRequest,
    maxAttributeKeyLength: ingest.maxAttributeKeyLength,
    maxAttributesPerPoint: ingest.maxAttributesPerPoint,
  };
}
