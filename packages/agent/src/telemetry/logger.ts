import { type AnyValue, SeverityNumber } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { AttributeNames, type EventName, ServiceNames } from '@perimeter/schema';
import type { Clock } from '../host/clock.ts';
import type { AttributeValue, Logger } from '../samplers/types.ts';
import type { Spool, SpoolCursor } from '../spool/types.ts';
import { createLogsEncoder, type EncodableLogRecord } from './otlp-logs-encoder.ts';

/**
 * Events (ARCHITECTURE.md: OTel log records with an `event.name` attribute) are encoded to one
 * OTLP logs request per call, the bytes the OTel SDK's LoggerProvider and ProtobufLogsSerializer
 * would write for them (otlp-logs-encoder.ts says why the agent encodes them itself), and appended
 * synchronously, so when `emitEvent` or `emitBatch` returns the events are committed: a stop or an
 * overflow event written just before exit is not lost with the process. `emitBatch` commits a
 * source's cursor in the same transaction, so a login tail restarted after a crash neither repeats
 * nor skips a line.
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
  let stopped = false;
  const encoder = createLogsEncoder({
    resourceAttributes: options.resource.attributes,
    scopeName: ServiceNames.agent,
    scopeVersion: options.serviceVersion,
  });
  const toRecord = (event: AgentEvent, observedMs: number): EncodableLogRecord => {
    const severity = event.severity ?? 'info';
    return {
      timeMs: event.timeMs ?? observedMs,
      observedMs,
      severityNumber: SEVERITY[severity],
      severityText: severity.toUpperCase(),
      body: event.body,
      attributes: { ...event.attributes, [AttributeNames.eventName]: event.name },
      eventName: event.name,
    };
  };
  const commit = (events: readonly AgentEvent[], cursors: readonly SpoolCursor[]) => {
    if (stopped) throw new Error('agent events are shut down');
    if (events.length === 0) return undefined;
    const observedMs = options.clock.nowMs();
    const body = encoder.encode(events.map((event) => toRecord(event, observedMs)));
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
    shutdown: async () => {
      stopped = true;
    },
  };
}
