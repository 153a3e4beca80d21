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

/**
 * How often an access log is read: every 10 s (the agent's default round), not the auth log's
 * 500 ms. A busy endpoint's log grows between any two polls, and each delivery is a spool commit
 * and an OTLP request: at 5 requests/s, 500 ms polling cost the agent 25 CPU s/hour
 * (bench/agent-overhead.ts --ai); 10 s bounds it at 360 deliveries an hour whatever the rate, as
 * many as the metrics batches (5 s made 720). Ten seconds late is well inside the inference rules'
 * windows (minutes).
 */
export const ACCESS_LOG_POLL_MS = 10_000;

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
      pollMs: options.pollMs ?? ACCESS_LOG_POLL_MS,
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
