import type { AgentConfig } from '@perimeter/schema';
import type { Clock } from '../../host/clock.ts';
import { createFileFollower } from '../follow-file.ts';
import type { EventStream, Logger } from '../types.ts';
import { parseJsonAccessLine } from './access-log-parse.ts';
import { parseGinLine } from './gin-line-parse.ts';
import { inferenceRequestEvent } from './inference-request.ts';

/**
 * One followed stream per configured access log (`inference.accessLogs`), each with its own
 * cursor (`inference:access-log:<path>`), through the same follower as the auth log: rotation-safe,
 * cursor committed with its events, history before the first start skipped.
 */
export type AccessLogConfig = AgentConfig['inference']['accessLogs'][number];

export interface AccessLogStreamsOptions {
  accessLogs: readonly AccessLogConfig[];
  clock: Clock;
  log: Logger;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  pollMs?: number;
  /** The zone Ollama's zone-less [GIN] timestamps are read in (default: this host's). */
  offsetMinutes?: (approxMs: number) => number;
}

export function accessLogStreamName(path: string): string {
  return `inference:access-log:${path}`;
}

export function createAccessLogStreams(options: AccessLogStreamsOptions): EventStream[] {
  return options.accessLogs.map((config) =>
    createFileFollower({
      name: accessLogStreamName(config.path),
      path: config.path,
      label: config.format === 'ollama-gin' ? 'Ollama server log' : 'access log',
      clock: options.clock,
      log: options.log,
      sleep: options.sleep,
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      toEvents: (lines, nowMs) =>
        lines.flatMap((line) => {
          const request =
            config.format === 'ollama-gin'
              ? parseGinLine(line, {
                  nowMs,
                  ...(options.offsetMinutes ? { offsetMinutes: options.offsetMinutes } : {}),
                })
              : parseJsonAccessLine(line, config.format, { userField: config.userField, nowMs });
          return request === null ? [] : [inferenceRequestEvent(request)];
        }),
    }),
  );
}
