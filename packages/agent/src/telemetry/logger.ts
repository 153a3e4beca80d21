import { type AnyValue, SeverityNumber } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AttributeNames, type EventName, ServiceNames } from '@perimeter/schema';
import type { Clock } from '../host/clock.ts';
import type { AttributeValue, Logger } from '../samplers/types.ts';
import type { Spool } from '../spool/types.ts';
import { createSpoolLogExporter } from './spool-exporters.ts';

/**
 * Events (ARCHITECTURE.md: OTel log records with an `event.name` attribute) go through the OTel
 * LoggerProvider into the spool. The processor exports each record as it is emitted, and the
 * spool append is synchronous, so when `emitEvent` returns the event is committed: a stop or an
 * overflow event written just before exit is not lost with the process.
 */
export type EventSeverity = 'info' | 'warn' | 'error';

export interface EmitOptions {
  /** When it happened (defaults to now). */
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
  const provider = new LoggerProvider({
    resource: options.resource,
    processors: [
      new SimpleLogRecordProcessor({ exporter: createSpoolLogExporter(options.spool, options.log) }),
    ],
  });
  const logger = provider.getLogger(ServiceNames.agent, options.serviceVersion);
  return {
    emitEvent(name, attributes, body, emit = {}) {
      const severity = emit.severity ?? 'info';
      logger.emit({
        eventName: name,
        timestamp: emit.timeMs ?? options.clock.nowMs(),
        observedTimestamp: options.clock.nowMs(),
        severityNumber: SEVERITY[severity],
        severityText: severity.toUpperCase(),
        body,
        attributes: { ...attributes, [AttributeNames.eventName]: name },
      });
    },
    shutdown: () => provider.shutdown(),
  };
}
