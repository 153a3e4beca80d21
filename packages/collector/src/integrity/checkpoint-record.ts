import { hostname } from 'node:os';
import { ResourceAttributeNames, ServiceNames } from '@perimeter/schema';
import type { ParsedCheckpoint } from './checkpoint.ts';

/**
 * A signed checkpoint as it leaves the box through OTLP and remote write (ARCHITECTURE.md
 * "Integrity"). OTLP: one log record, event name `integrity.checkpoint`, whose `document` attribute
 * is the signed checkpoint exactly as the file sink's `checkpoints/` line holds it, so the upstream
 * copy alone is enough for `perimeter-collector verify --checkpoint`; the other attributes repeat
 * its sequence, time, key id, hash and signature for queries. Remote write: two gauges, so a
 * dashboard or alert upstream sees checkpoints stop (or the sequence go back).
 */
export const CHECKPOINT_EVENT = 'integrity.checkpoint';

export const CheckpointAttributeNames = {
  seq: 'perimeter.checkpoint.seq',
  time: 'perimeter.checkpoint.time',
  keyId: 'perimeter.checkpoint.key_id',
  hash: 'perimeter.checkpoint.hash',
  previousHash: 'perimeter.checkpoint.previous_hash',
  signature: 'perimeter.checkpoint.signature',
  document: 'perimeter.checkpoint.document',
} as const;

export const CheckpointMetricNames = {
  sequence: 'perimeter_integrity_checkpoint_sequence',
  timestamp: 'perimeter_integrity_checkpoint_timestamp_seconds',
} as const;

/** The signed checkpoint as one line of text: what the file sink writes and `verify --checkpoint` reads. */
export function checkpointDocument(checkpoint: ParsedCheckpoint): string {
  return JSON.stringify(checkpoint.envelope);
}

/** An OTLP/JSON ExportLogsServiceRequest holding the checkpoint's one log record. */
export function checkpointLogsRequest(checkpoint: ParsedCheckpoint, nowMs: number): Record<string, unknown> {
  const { body } = checkpoint;
  const text = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            text(ResourceAttributeNames.serviceName, ServiceNames.collector),
            text(ResourceAttributeNames.hostName, hostname()),
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'perimeter.integrity' },
            logRecords: [
              {
                timeUnixNano: `${BigInt(body.atMs) * 1_000_000n}`,
                observedTimeUnixNano: `${BigInt(nowMs) * 1_000_000n}`,
                severityNumber: 9,
                severityText: 'INFO',
                eventName: CHECKPOINT_EVENT,
                body: { stringValue: `${CHECKPOINT_EVENT} #${body.seq}` },
                attributes: [
                  // For backends that keep attributes but not the (newer) eventName field.
                  text('event.name', CHECKPOINT_EVENT),
                  { key: CheckpointAttributeNames.seq, value: { intValue: String(body.seq) } },
                  text(CheckpointAttributeNames.time, new Date(body.atMs).toISOString()),
                  text(CheckpointAttributeNames.keyId, body.keyId),
                  text(CheckpointAttributeNames.hash, checkpoint.hash),
                  text(CheckpointAttributeNames.previousHash, body.previousHash),
                  text(CheckpointAttributeNames.signature, checkpoint.envelope.signature),
                  text(CheckpointAttributeNames.document, checkpointDocument(checkpoint)),
                ],
              },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * The signed checkpoint documents in an OTLP/JSON logs request as an upstream keeps it (e.g. the
 * OpenTelemetry Collector's file exporter): each line can be given to `verify --checkpoint`.
 */
export function checkpointDocumentsIn(request: unknown): string[] {
  const documents: string[] = [];
  type Attr = { key?: string; value?: { stringValue?: string } };
  type Record_ = { eventName?: string; attributes?: Attr[] };
  const resources = (request as { resourceLogs?: unknown[] })?.resourceLogs ?? [];
  for (const resource of resources as Array<{ scopeLogs?: Array<{ logRecords?: Record_[] }> }>) {
    for (const scope of resource.scopeLogs ?? []) {
      for (const record of scope.logRecords ?? []) {
        const attributes = record.attributes ?? [];
        const isCheckpoint =
          record.eventName === CHECKPOINT_EVENT ||
          attributes.some((a) => a.key === 'event.name' && a.value?.stringValue === CHECKPOINT_EVENT);
        const document = attributes.find((a) => a.key === CheckpointAttributeNames.document)?.value
          ?.stringValue;
        if (isCheckpoint && document !== undefined) {
          documents.push(document);
        }
      }
    }
  }
  return documents;
}
