import { ingestDefaults } from '@perimeter/schema';
import type { DecodedPoint, DecodedRequest } from '../otlp/types.ts';
import type { SeriesIndex } from '../store/series-index.ts';

/**
 * What one node may put into the store, checked item by item after decoding and before the write
 * (config `ingest`, schema/config/collector.ts). An item over a bound is refused alone: it leaves
 * the request, is counted by reason and explained in the OTLP partial_success answer; the rest of
 * the batch is stored. The wire payload is kept as sent (it is what the hash chain covers); only
 * the rows derived from it (samples, events, series) leave the refused items out.
 */
export interface AdmissionPolicy {
  maxAheadMs: number;
  /** Oldest accepted item before receipt, per class; 0: no bound. */
  maxBehindMs: { points: number; events: number };
  maxSeriesPerNode: number;
  maxNewSeriesPerRequest: number;
  maxAttributeKeyLength: number;
  maxAttributesPerPoint: number;
}

export const DEFAULT_ADMISSION: AdmissionPolicy = {
  maxAheadMs: ingestDefaults.maxAhead,
  // The collector's default retention (retention.metricDetail 30 d, retention.events 365 d).
  maxBehindMs: { points: 30 * 86_400_000, events: 365 * 86_400_000 },
  maxSeriesPerNode: ingestDefaults.maxSeriesPerNode,
  maxNewSeriesPerRequest: ingestDefaults.maxNewSeriesPerRequest,
  maxAttributeKeyLength: ingestDefaults.maxAttributeKeyLength,
  maxAttributesPerPoint: ingestDefaults.maxAttributesPerPoint,
};

/** Refusal reasons, as perimeter_ingest_rejects_total{reason} names them. */
export const ADMISSION_REASONS = [
  'timestamp_ahead',
  'timestamp_behind',
  'attribute_key_too_long',
  'too_many_attributes',
  'series_limit',
  'new_series_limit',
] as const;
export type AdmissionReason = (typeof ADMISSION_REASONS)[number];

export type SeriesCensus = Pick<SeriesIndex, 'has' | 'countForNode'>;

/** Removes refused items from `request` (in place) and returns how many were refused per reason. */
export function admitItems(
  request: DecodedRequest,
  nodeId: string,
  receivedAtMs: number,
  policy: AdmissionPolicy,
  census: SeriesCensus,
): Map<AdmissionReason, number> {
  const refused = new Map<AdmissionReason, number>();
  const messages = new Map<AdmissionReason, string>();
  const refuse = (reason: AdmissionReason, message: string) => {
    refused.set(reason, (refused.get(reason) ?? 0) + 1);
    if (!messages.has(reason)) messages.set(reason, message);
    return false;
  };
  const timeRefusal = (timeMs: number, maxBehindMs: number): boolean => {
    if (timeMs > receivedAtMs + policy.maxAheadMs) {
      return refuse(
        'timestamp_ahead',
        `timestamp ${iso(timeMs)} is more than ${policy.maxAheadMs / 60_000} min ahead of receipt (ingest.maxAhead)`,
      );
    }
    if (maxBehindMs > 0 && timeMs < receivedAtMs - maxBehindMs) {
      return refuse(
        'timestamp_behind',
        `timestamp ${iso(timeMs)} is older than the retention horizon of ${maxBehindMs / 86_400_000} d (ingest.maxBehind)`,
      );
    }
    return true;
  };
  /** `long`: the first attribute name over the length bound, if any. */
  const attributesOk = (count: number, long: string | undefined): boolean => {
    if (count > policy.maxAttributesPerPoint) {
      return refuse(
        'too_many_attributes',
        `${count} attributes on one item, over ingest.maxAttributesPerPoint (${policy.maxAttributesPerPoint})`,
      );
    }
    if (long !== undefined) {
      return refuse(
        'attribute_key_too_long',
        `attribute key of ${long.length} characters, over ingest.maxAttributeKeyLength (${policy.maxAttributeKeyLength})`,
      );
    }
    return true;
  };
  const newSeries = new Set<string>();
  const seriesOk = (point: DecodedPoint): boolean => {
    if (census.has(nodeId, point)) return true;
    const key = JSON.stringify([point.metric, point.attributes]);
    if (newSeries.has(key)) return true;
    if (census.countForNode(nodeId) + newSeries.size >= policy.maxSeriesPerNode) {
      return refuse(
        'series_limit',
        `node "${nodeId}" is at ingest.maxSeriesPerNode (${policy.maxSeriesPerNode} series); new series are refused`,
      );
    }
    if (newSeries.size >= policy.maxNewSeriesPerRequest) {
      return refuse(
        'new_series_limit',
        `request creates more than ingest.maxNewSeriesPerRequest (${policy.maxNewSeriesPerRequest}) series`,
      );
    }
    newSeries.add(key);
    return true;
  };

  for (const resource of request.resources) {
    resource.points = resource.points.filter(
      (point) =>
        timeRefusal(point.timeMs, policy.maxBehindMs.points) &&
        attributesOk(
          point.attributes.length,
          firstLongName(point.attributes, policy.maxAttributeKeyLength),
        ) &&
        seriesOk(point),
    );
    resource.events = resource.events.filter(
      (event) =>
        timeRefusal(event.timeMs, policy.maxBehindMs.events) &&
        attributesOk(
          Object.keys(event.attributes).length,
          Object.keys(event.attributes).find((name) => name.length > policy.maxAttributeKeyLength),
        ),
    );
  }
  for (const [reason, count] of refused) {
    request.rejectedItems += count;
    request.rejectionMessages.push(`${count} refused: ${messages.get(reason)}`);
  }
  return refused;
}

/** The first attribute name longer than `max`: a loop, not a mapped copy, as it runs per point. */
function firstLongName(pairs: DecodedPoint['attributes'], max: number): string | undefined {
  for (const [name] of pairs) {
    if (name.length > max) return name;
  }
  return undefined;
}

function iso(timeMs: number): string {
  const date = new Date(timeMs);
  return Number.isNaN(date.getTime()) ? String(timeMs) : date.toISOString();
}
