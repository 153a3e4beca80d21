import {
  anyValueToScalar,
  asArray,
  asObject,
  asString,
  attributesToRecord,
  attributesToSortedPairs,
  InvalidField,
  nanosToMs,
  oneofMember,
  toNumber,
} from './otlp-values.ts';
import type {
  AttributeValue,
  DecodedEvent,
  DecodedPoint,
  DecodedRequest,
  DecodedResource,
  MetricKind,
} from './types.ts';

/**
 * OTLP requests (already parsed from protobuf or JSON) → rows. A structurally malformed request
 * throws `InvalidField` naming the offending path (→ 400, nothing stored). Individual points that
 * cannot be stored as samples (NaN, ±Inf, oversized label values, histograms) are refused one by
 * one and reported through OTLP `partial_success`, while the rest of the request is kept.
 */

const MAX_METRIC_NAME_LENGTH = 255;
const MAX_LABEL_VALUE_LENGTH = 1024;
const METRIC_DATA_MEMBERS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
const SUM_MONOTONIC_CUMULATIVE = 2;

interface Rejections {
  count: number;
  messages: Set<string>;
}

export function decodeMetricsRequest(request: unknown, receivedAtMs: number): DecodedRequest {
  const root = asObject(request, '(body)');
  const rejections: Rejections = { count: 0, messages: new Set() };
  const resources = asArray(root.resourceMetrics, 'resourceMetrics').map((item, r) => {
    const path = `resourceMetrics[${r}]`;
    const resourceMetrics = asObject(item, path);
    const resource: DecodedResource = {
      attributes: resourceAttributes(resourceMetrics, path),
      points: [],
      events: [],
    };
    asArray(resourceMetrics.scopeMetrics, `${path}.scopeMetrics`).forEach((scopeItem, s) => {
      const scopePath = `${path}.scopeMetrics[${s}]`;
      const scope = asObject(scopeItem, scopePath);
      asArray(scope.metrics, `${scopePath}.metrics`).forEach((metricItem, m) => {
        decodeMetric(
          asObject(metricItem, `${scopePath}.metrics[${m}]`),
          `${scopePath}.metrics[${m}]`,
          receivedAtMs,
          resource.points,
          rejections,
        );
      });
    });
    return resource;
  });
  return { resources, rejectedItems: rejections.count, rejectionMessages: [...rejections.messages] };
}

function decodeMetric(
  metric: Record<string, unknown>,
  path: string,
  receivedAtMs: number,
  out: DecodedPoint[],
  rejections: Rejections,
): void {
  const name = asString(metric.name, `${path}.name`);
  if (name === '' || name.length > MAX_METRIC_NAME_LENGTH) {
    throw new InvalidField(`${path}.name`, `metric name must be 1 to ${MAX_METRIC_NAME_LENGTH} characters`);
  }
  const unit = asString(metric.unit, `${path}.unit`);
  const member = oneofMember(metric, 'data', METRIC_DATA_MEMBERS);
  if (member === undefined) {
    return; // A metric with no data is valid OTLP and carries nothing to store.
  }
  const data = asObject(metric[member], `${path}.${member}`);
  const dataPoints = asArray(data.dataPoints, `${path}.${member}.dataPoints`);
  if (member !== 'gauge' && member !== 'sum') {
    reject(
      rejections,
      dataPoints.length,
      `${member} data points are kept in the stored batch but not as samples`,
    );
    return;
  }
  const kind: MetricKind =
    member === 'sum' &&
    isTrue(data.isMonotonic) &&
    Number(data.aggregationTemporality) === SUM_MONOTONIC_CUMULATIVE
      ? 'counter'
      : member;
  for (let index = 0; index < dataPoints.length; index++) {
    const pointPath = `${path}.${member}.dataPoints[${index}]`;
    const point = asObject(dataPoints[index], pointPath);
    const valueMember = oneofMember(point, 'value', ['asDouble', 'asInt']);
    const value =
      valueMember === undefined ? Number.NaN : toNumber(point[valueMember], `${pointPath}.${valueMember}`);
    if (!Number.isFinite(value)) {
      reject(rejections, 1, `data point of ${name} has no finite value (NaN, Infinity or none)`);
      continue;
    }
    const attributes = attributesToSortedPairs(point.attributes, `${pointPath}.attributes`);
    if (attributes.some(([, v]) => typeof v === 'string' && v.length > MAX_LABEL_VALUE_LENGTH)) {
      reject(
        rejections,
        1,
        `data point of ${name} has an attribute value over ${MAX_LABEL_VALUE_LENGTH} characters`,
      );
      continue;
    }
    out.push({
      metric: name,
      unit,
      kind,
      attributes,
      timeMs: nanosToMs(point.timeUnixNano, `${pointPath}.timeUnixNano`) ?? receivedAtMs,
      value,
    });
  }
}

export function decodeLogsRequest(request: unknown, receivedAtMs: number): DecodedRequest {
  const root = asObject(request, '(body)');
  const resources = asArray(root.resourceLogs, 'resourceLogs').map((item, r) => {
    const path = `resourceLogs[${r}]`;
    const resourceLogs = asObject(item, path);
    const events: DecodedEvent[] = [];
    asArray(resourceLogs.scopeLogs, `${path}.scopeLogs`).forEach((scopeItem, s) => {
      const scopePath = `${path}.scopeLogs[${s}]`;
      asArray(asObject(scopeItem, scopePath).logRecords, `${scopePath}.logRecords`).forEach(
        (recordItem, l) => {
          events.push(
            decodeLogRecord(
              asObject(recordItem, `${scopePath}.logRecords[${l}]`),
              `${scopePath}.logRecords[${l}]`,
              receivedAtMs,
            ),
          );
        },
      );
    });
    return { attributes: resourceAttributes(resourceLogs, path), points: [], events };
  });
  return { resources, rejectedItems: 0, rejectionMessages: [] };
}

function decodeLogRecord(record: Record<string, unknown>, path: string, receivedAtMs: number): DecodedEvent {
  const attributes = attributesToRecord(record.attributes, `${path}.attributes`);
  const observedMs = nanosToMs(record.observedTimeUnixNano, `${path}.observedTimeUnixNano`);
  const eventName = asString(record.eventName, `${path}.eventName`) || stringOrNull(attributes['event.name']);
  const severity =
    record.severityNumber === undefined ? null : toNumber(record.severityNumber, `${path}.severityNumber`);
  const body = anyValueToScalar(record.body, `${path}.body`);
  return {
    timeMs: nanosToMs(record.timeUnixNano, `${path}.timeUnixNano`) ?? observedMs ?? receivedAtMs,
    observedMs,
    eventName,
    severity: severity === 0 ? null : severity,
    body: body === null ? null : String(body),
    attributes,
  };
}

function resourceAttributes(
  container: Record<string, unknown>,
  path: string,
): Record<string, AttributeValue> {
  if (container.resource === undefined || container.resource === null) {
    return {};
  }
  return attributesToRecord(
    asObject(container.resource, `${path}.resource`).attributes,
    `${path}.resource.attributes`,
  );
}

function reject(rejections: Rejections, count: number, message: string): void {
  rejections.count += count;
  rejections.messages.add(message);
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function stringOrNull(value: AttributeValue | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
