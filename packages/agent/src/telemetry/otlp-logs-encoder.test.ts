import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { AttributeNames, EventNames, ServiceNames } from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { parseJsonAccessLine } from '../samplers/inference/access-log-parse.ts';
import { inferenceRequestEvent } from '../samplers/inference/inference-request.ts';
import { createLogsEncoder, type EncodableLogRecord } from './otlp-logs-encoder.ts';

/** What the agent sent before it encoded events itself: the SDK's LoggerProvider and serializer. */
function sdkBytes(
  resourceAttributes: Record<string, string>,
  version: string,
  records: readonly EncodableLogRecord[],
) {
  const gathered: ReadWriteLogRecord[] = [];
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(resourceAttributes),
    processors: [
      {
        onEmit: (record) => gathered.push(record),
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  const logger = provider.getLogger(ServiceNames.agent, version);
  for (const record of records) {
    logger.emit({
      eventName: record.eventName,
      timestamp: record.timeMs,
      observedTimestamp: record.observedMs,
      severityNumber: record.severityNumber,
      severityText: record.severityText,
      body: record.body,
      attributes: record.attributes,
    });
  }
  const bytes = ProtobufLogsSerializer.serializeRequest(gathered);
  if (bytes === undefined) throw new Error('the SDK serializer returned nothing');
  return bytes;
}

const resourceAttributes = {
  'host.name': 'gpu-node-1',
  'os.type': 'linux',
  'os.version': 'Debian GNU/Linux 12 (bookworm)',
  'service.name': ServiceNames.agent,
  'service.version': '0.1.0',
  'perimeter.node.id': 'gpu-node-1',
  'perimeter.stream.id': '5c1f0e0e-3b7a-4a51-9b8a-0d1c2e3f4a5b',
  'host.model': 'Präzision 7920 — 🖥',
};

function accessLogRecords(): EncodableLogRecord[] {
  const lines = readFileSync(
    join(import.meta.dirname, '../samplers/inference/testdata/nginx-access.log'),
    'utf8',
  )
    .split('\n')
    .filter((line) => line !== '');
  return lines.flatMap((line, index) => {
    const request = parseJsonAccessLine(line, 'nginx-json', { nowMs: 1_764_950_000_000 });
    if (request === null) return [];
    const event = inferenceRequestEvent(request);
    return [
      {
        timeMs: event.timeMs ?? 0,
        observedMs: 1_764_950_012_345 + index,
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        body: event.body,
        attributes: { ...event.attributes, [AttributeNames.eventName]: event.event },
        eventName: event.event,
      },
    ];
  });
}

describe('createLogsEncoder', () => {
  const encoder = createLogsEncoder({
    resourceAttributes,
    scopeName: ServiceNames.agent,
    scopeVersion: '0.1.0',
  });

  it('writes the SDK serializer’s exact bytes for a batch of access-log requests', () => {
    const records = accessLogRecords();
    expect(records.length).toBeGreaterThan(3);
    const ours = encoder.encode(records);
    expect(Buffer.from(ours).equals(Buffer.from(sdkBytes(resourceAttributes, '0.1.0', records)))).toBe(true);
    // And again: the cached resource, scope and keys give the same bytes on the next call.
    expect(Buffer.from(encoder.encode(records)).equals(Buffer.from(ours))).toBe(true);
  });

  it('writes the same bytes for every kind of value: ints, doubles, negatives, booleans, Unicode, object and array bodies', () => {
    const records: EncodableLogRecord[] = [
      {
        timeMs: 1_764_950_000_123.5,
        observedMs: 1_764_950_000_999,
        severityNumber: SeverityNumber.WARN,
        severityText: 'WARN',
        body: {
          action: 'spool-overflow',
          dropped: 3,
          ratio: 0.25,
          nested: { ok: true },
          list: ['a', 1, 2.5],
        },
        attributes: {
          [AttributeNames.eventName]: EventNames.agentLifecycle,
          count: 300_000,
          big: 2 ** 40 + 7,
          negative: -42,
          fraction: 1.5e-9,
          flag: false,
          text: 'grüße, 世界 — \u{1F680}',
          empty: '',
        },
        eventName: EventNames.agentLifecycle,
      },
      {
        timeMs: 4_102_444_800_000.25, // 2100: seconds past 2^32 / 1e9 × 2^32, both halves of the fixed64 carry
        observedMs: 1_764_950_001_000,
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        body: '',
        attributes: {},
        eventName: EventNames.agentLifecycle,
      },
      {
        timeMs: 1_764_950_001_000,
        observedMs: 1_764_950_001_000,
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: 'x'.repeat(300),
        attributes: { long: 'y'.repeat(20_000) },
        eventName: EventNames.modelIntegrity,
      },
    ];
    expect(
      Buffer.from(encoder.encode(records)).equals(
        Buffer.from(sdkBytes(resourceAttributes, '0.1.0', records)),
      ),
    ).toBe(true);
  });
});
