/**
 * The collector's OTLP codec lives in this folder (descriptor, protobuf types, JSON values, decode,
 * transcode for forwarding); ingest, store, derive, forward and replay import it from here, so no
 * stage reaches into another for the wire format. The client side of the contract (retry,
 * Retry-After, backoff, partial success, HTTP) is @perimeter/schema/otlp, shared with the agent.
 *
 * What ingest hands the store: OTLP flattened to rows, with the resource it came from.
 */

export type AttributeValue = string | number | boolean;

export type MetricKind = 'gauge' | 'sum' | 'counter' | 'histogram' | 'summary';

export interface DecodedPoint {
  metric: string;
  unit: string;
  /** `counter` is a monotonic sum; it becomes `_total` in Prometheus. */
  kind: MetricKind;
  /** Attribute pairs sorted by key, so one series always gets one identity. */
  attributes: ReadonlyArray<readonly [string, AttributeValue]>;
  /**
   * `attributesIdentity(attributes)`: the attributes' part of the series identity. The protobuf
   * decoder hands it over interned (one string per attribute set, reused across requests, so the
   * series lookup hashes nothing); otherwise the series index computes it once and keeps it here.
   */
  attributesKey?: string;
  timeMs: number;
  value: number;
}

export interface DecodedEvent {
  timeMs: number;
  observedMs: number | null;
  eventName: string | null;
  severity: number | null;
  body: string | null;
  attributes: Record<string, AttributeValue>;
}

export interface DecodedResource {
  attributes: Record<string, AttributeValue>;
  points: DecodedPoint[];
  events: DecodedEvent[];
}

export interface DecodedRequest {
  resources: DecodedResource[];
  /** Items refused one by one (OTLP partial_success): counted and explained, the rest is stored. */
  rejectedItems: number;
  rejectionMessages: string[];
}

export type Signal = 'metrics' | 'logs';
