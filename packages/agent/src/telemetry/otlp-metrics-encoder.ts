import { type HrTime, ValueType } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  attributeSize,
  createKeyCache,
  encodeResource,
  encodeScope,
  I64,
  LEN,
  lenSize,
  tag,
  VARINT,
  Writer,
  writeAttribute,
} from './otlp-protobuf.ts';

/**
 * A round's metrics (the SDK's ResourceMetrics) as one OTLP ExportMetricsServiceRequest, the exact
 * bytes @opentelemetry/otlp-transformer's ProtobufMetricsSerializer writes (the test compares
 * them), for what the agent records: gauges and sums of double points. Anything else (an integer
 * instrument, a histogram) goes to the SDK's serializer unchanged. Why: without TurboFan the SDK's
 * serializer measured and wrote every string a character at a time, twice; a round with the 20
 * model gauges' long attributes (paths, digests) took ~3.6 ms to serialize (otlp-protobuf.ts).
 * The resource is encoded once per Resource object, scopes once, attribute keys once each.
 *
 * Metric { 1 name, 2 description, 3 unit, 5 gauge | 7 sum }
 * Gauge { 1 data_points }   Sum { 1 data_points, 2 aggregation_temporality, 3 is_monotonic }
 * NumberDataPoint { 2 start_time_unix_nano, 3 time_unix_nano, 4 as_double, 7 attributes }
 */
export interface MetricsEncoder {
  encode(metrics: ResourceMetrics): Uint8Array;
}

function writeHrTime(writer: Writer, time: HrTime): void {
  writer.buffer.writeBigUInt64LE(
    BigInt.asUintN(64, BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])),
    writer.pos,
  );
  writer.pos += 8;
}

function encodable(metrics: ResourceMetrics): boolean {
  for (const scope of metrics.scopeMetrics) {
    if (scope.scope.schemaUrl) return false;
    for (const metric of scope.metrics) {
      if (metric.descriptor.valueType === ValueType.INT) return false;
      if (metric.dataPointType !== DataPointType.GAUGE && metric.dataPointType !== DataPointType.SUM)
        return false;
    }
  }
  return !metrics.resource.schemaUrl;
}

function temporalityNumber(metric: MetricData): number {
  if (metric.dataPointType !== DataPointType.SUM) return 0;
  if (metric.aggregationTemporality === AggregationTemporality.DELTA) return 1;
  if (metric.aggregationTemporality === AggregationTemporality.CUMULATIVE) return 2;
  return 0;
}

export function createMetricsEncoder(): MetricsEncoder {
  const keyBytes = createKeyCache();
  let resourceOf: { resource: Resource; bytes: Buffer } | undefined;
  const scopes = new Map<string, Buffer>();
  const resourceBytes = (resource: Resource) => {
    if (resourceOf?.resource !== resource)
      resourceOf = { resource, bytes: encodeResource(resource.attributes) };
    return resourceOf.bytes;
  };
  const scopeBytes = (scope: ScopeMetrics['scope']) => {
    const key = `${scope.name}\n${scope.version ?? ''}`;
    let bytes = scopes.get(key);
    if (bytes === undefined) {
      bytes = encodeScope(scope.name, scope.version ?? '');
      scopes.set(key, bytes);
    }
    return bytes;
  };

  const pointSize = (attributes: Readonly<Record<string, unknown>>): number => {
    let size = 9 + 9 + 9; // start, time, as_double
    for (const key in attributes) size += attributeSize(keyBytes(key), attributes[key]);
    return size;
  };

  /** The Metric message's inside, and the sizes of its points and of its gauge/sum body. */
  const metricLayout = (metric: MetricData) => {
    const points = metric.dataPoints.map((point) =>
      pointSize(point.attributes as Readonly<Record<string, unknown>>),
    );
    let body = 0;
    for (const size of points) body += lenSize(size);
    const temporality = temporalityNumber(metric);
    if (temporality !== 0) body += 2;
    if (metric.dataPointType === DataPointType.SUM && metric.isMonotonic) body += 2;
    const { name, description, unit } = metric.descriptor;
    let inner = lenSize(Buffer.byteLength(name)) + lenSize(body);
    if (description) inner += lenSize(Buffer.byteLength(description));
    if (unit) inner += lenSize(Buffer.byteLength(unit));
    return { points, body, temporality, inner };
  };

  const writeMetric = (writer: Writer, metric: MetricData, layout: ReturnType<typeof metricLayout>) => {
    const { name, description, unit } = metric.descriptor;
    writer.byte(tag(2, LEN));
    writer.varint(layout.inner);
    writer.byte(tag(1, LEN));
    writer.string(name, Buffer.byteLength(name));
    if (description) {
      writer.byte(tag(2, LEN));
      writer.string(description, Buffer.byteLength(description));
    }
    if (unit) {
      writer.byte(tag(3, LEN));
      writer.string(unit, Buffer.byteLength(unit));
    }
    writer.byte(tag(metric.dataPointType === DataPointType.SUM ? 7 : 5, LEN));
    writer.varint(layout.body);
    metric.dataPoints.forEach((point, index) => {
      writer.byte(tag(1, LEN));
      writer.varint(layout.points[index] as number);
      writer.byte(tag(2, I64));
      writeHrTime(writer, point.startTime);
      writer.byte(tag(3, I64));
      writeHrTime(writer, point.endTime);
      writer.byte(tag(4, I64));
      writer.double(point.value as number);
      const attributes = point.attributes as Readonly<Record<string, unknown>>;
      for (const key in attributes) writeAttribute(writer, 7, keyBytes(key), attributes[key]);
    });
    if (layout.temporality !== 0) {
      writer.byte(tag(2, VARINT));
      writer.byte(layout.temporality);
    }
    if (metric.dataPointType === DataPointType.SUM && metric.isMonotonic) {
      writer.byte(tag(3, VARINT));
      writer.byte(1);
    }
  };

  return {
    encode(metrics) {
      if (!encodable(metrics)) {
        const bytes = ProtobufMetricsSerializer.serializeRequest(metrics);
        if (bytes === undefined) throw new Error('OTLP metrics serializer returned nothing');
        return bytes;
      }
      const resource = resourceBytes(metrics.resource);
      const scopes = metrics.scopeMetrics.map((scopeMetrics) => {
        const scope = scopeBytes(scopeMetrics.scope);
        const layouts = scopeMetrics.metrics.map(metricLayout);
        let inner = scope.byteLength;
        for (const layout of layouts) inner += lenSize(layout.inner);
        return { scopeMetrics, scope, layouts, inner };
      });
      let resourceMetrics = resource.byteLength;
      for (const scope of scopes) resourceMetrics += lenSize(scope.inner);
      const writer = new Writer(lenSize(resourceMetrics));
      writer.byte(tag(1, LEN));
      writer.varint(resourceMetrics);
      writer.buffer.set(resource, writer.pos);
      writer.pos += resource.byteLength;
      for (const { scopeMetrics, scope, layouts, inner } of scopes) {
        writer.byte(tag(2, LEN));
        writer.varint(inner);
        writer.buffer.set(scope, writer.pos);
        writer.pos += scope.byteLength;
        scopeMetrics.metrics.forEach((metric, index) => {
          writeMetric(writer, metric, layouts[index] as ReturnType<typeof metricLayout>);
        });
      }
      if (writer.pos !== writer.buffer.byteLength) {
        throw new Error(`OTLP metrics encoder wrote ${writer.pos} of ${writer.buffer.byteLength} bytes`);
      }
      return writer.buffer;
    },
  };
}
