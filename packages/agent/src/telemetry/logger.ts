import { type AnyValue, SeverityNumber } from '@opentelemetry/api';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { AttributeNames, type EventName, ServiceNames } from '@perimeter/schema';
import type { Clock } from '../host/clock.ts';
import type { AttributeValue, Logger } from '../samplers/types.ts';
import type { Spool, SpoolCursor } from '../spool/types.ts';

/**
 * Events (ARCHITECTURE.md: OTel log records with an `event.name` attribute) go through the OTel
 * LoggerProvider into the spool. A processor of our own gathers the records of one call, and the
 * call serializes them to one OTLP request and appends it synchronously, so when `emitEvent` or
 * `emitBatch` returns the events are committed: a stop or an overflow event written just before
 * exit is not lost with the process. `emitBatch` commits a source's cursor in the same
 * transaction, so a login tail restarted after a crash neither repeats nor skips a line.
 */
export type EventSeverity = 'info' | 'warn' | 'error';

export interface EmitOptions {
  /** When it happened (defaults to now). */
  timeMs?: number;
  severity?: EventSeverity;
}

export interface AgentEvent {
  name: EventName;
  attributes: Record<string, AttributeValue>;
  body: AnyValue;
  timeMs?: number;
  severity?: EventSeverity;
}

export interface AgentEvents {
  emitEvent(
    name: EventName,
    attributes: Record<string, AttributeValue>,
    body: AnyValue,
    options?: EmitOptions,
  ): void;
  /** One spool batch for all of them, committed with `cursors`. Throws if the spool cannot take it. */
  emitBatch(events: readonly AgentEvent[], cursors?: readonly SpoolCursor[]): number | undefined;
  shutdown(): Promise<void>;
}

export interface AgentEventsOptions {
  resource: Resource;
  spool: Spool;
  clock: Clock;
  log: Logger;
  serviceVersion: string;
}

const SEVERITY: Record<EventSeverity, SeverityNumber> = {
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

export function createAgentEvents(options: AgentEventsOptions): AgentEvents {
  let gathered: ReadWriteLogRecord[] = [];
  let stopped = false;
  const gather: LogRecordProcessor = {
    onEmit: (record) => {
      gathered.push(record);
    },
    forceFlush: async () => {},
    shutdown: async () => {
      stopped = true;
    },
  };
  const provider = new LoggerProvider({ resource: options.resource, processors: [gather] });
  const logger = provider.getLogger(ServiceNames.agent, options.serviceVersion);
  const emitOne = (event: AgentEvent) => {
    const severity = event.severity ?? 'info';
    logger.emit({
      eventName: event.name,
      timestamp: event.timeMs ?? options.clock.nowMs(),
      observedTimestamp: options.clock.nowMs(),
      severityNumber: SEVERITY[severity],
      severityText: severity.toUpperCase(),
      body: event.body,
      attributes: { ...event.attributes, [AttributeNames.eventName]: event.name },
    });
  };
  const commit = (events: readonly AgentEvent[], cursors: readonly SpoolCursor[]) => {
    if (stopped) throw new Error('agent events are shut down');
    gathered = [];
    for (const event of events) emitOne(event);
    const records = gathered;
    gathered = [];
    if (records.length === 0) return undefined;
    const body = ProtobufLogsSerializer.serializeRequest(records);
    if (!body) throw new Error('OTLP logs serializer returned nothing');
    return options.spool.append('logs', body, cursors);
  };
  return {
    emitEvent(name, attributes, body, emit = {}) {
      try {
        commit([{ name, attributes, body, ...emit }], []);
      } catch (error) {
        options.log.error(
          { err: (error as Error).message, event: name, path: options.spool.path },
          'could not write the event to the spool; it is lost',
        );
      }
    },
    emitBatch: (events, cursors = []) => commit(events, cursors),
    shutdown: () => provider.shutdown(),
  };
}
