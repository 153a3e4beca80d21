import { existsSync } from 'node:fs';
import type { AgentConfig } from '@perimeter/schema';
import type { Clock } from '../../host/clock.ts';
import type { RunCommand } from '../../host/run-command.ts';
import type { EventStream, Logger, SourceContext, SourceDefinition } from '../types.ts';
import { createAuthLogSource } from './auth-log-source.ts';
import { createJournaldSource } from './journald-source.ts';
import { createLastBackfill } from './last-backfill.ts';
import { loginsProbeRow } from './probe-row.ts';
import { createUnifiedLogSource } from './unified-log-source.ts';

/**
 * Which login source a node follows (config `logins`), decided once at start and logged:
 * macOS → the unified log; Linux → the configured auth log, else the journal where systemd's
 * journal runs, else /var/log/auth.log (Debian) or /var/log/secure (RHEL). Plus, once, `last`.
 */
export const DEFAULT_AUTH_LOGS = ['/var/log/auth.log', '/var/log/secure'] as const;

export interface LoginStreamsOptions {
  config: AgentConfig['logins'];
  platform: NodeJS.Platform;
  runCommand: RunCommand;
  clock: Clock;
  log: Logger;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Whether a path exists; injectable so tests choose the host's shape. */
  exists?: (path: string) => boolean;
}

export type LoginSourceChoice =
  | { kind: 'journald' }
  | { kind: 'file'; path: string }
  | { kind: 'unified-log' }
  | { kind: 'none'; reason: string };

export function chooseLoginSource(options: LoginStreamsOptions): LoginSourceChoice {
  const { config, platform } = options;
  const exists = options.exists ?? existsSync;
  if (config.source === 'off') return { kind: 'none', reason: 'logins.source is off' };
  if (config.source === 'unified-log' || (config.source === 'auto' && platform === 'darwin')) {
    return { kind: 'unified-log' };
  }
  if (config.source === 'journald') return { kind: 'journald' };
  if (config.authLog !== undefined) return { kind: 'file', path: config.authLog };
  if (config.source === 'auto' && exists('/run/systemd/journal')) return { kind: 'journald' };
  const found = DEFAULT_AUTH_LOGS.find((path) => exists(path));
  if (found !== undefined) return { kind: 'file', path: found };
  return {
    kind: 'none',
    reason: `no journal and none of ${DEFAULT_AUTH_LOGS.join(', ')}; set logins.authLog`,
  };
}

export function createLoginStreams(options: LoginStreamsOptions): EventStream[] {
  const choice = chooseLoginSource(options);
  const streams: EventStream[] = [];
  switch (choice.kind) {
    case 'journald':
      streams.push(createJournaldSource({ log: options.log }));
      break;
    case 'file':
      streams.push(
        createAuthLogSource({
          path: choice.path,
          clock: options.clock,
          log: options.log,
          sleep: options.sleep,
        }),
      );
      break;
    case 'unified-log':
      streams.push(
        createUnifiedLogSource({
          runCommand: options.runCommand,
          log: options.log,
          ...(options.config.unifiedLogFile === undefined
            ? {}
            : { readerFile: options.config.unifiedLogFile }),
          sleep: options.sleep,
        }),
      );
      break;
    case 'none':
      options.log.info({ reason: choice.reason }, 'login events are not followed on this host');
      return [];
  }
  options.log.info(
    { source: choice.kind, ...('path' in choice ? { path: choice.path } : {}) },
    'following login events',
  );
  if (options.config.backfill) {
    streams.push(
      createLastBackfill({
        runCommand: options.runCommand,
        platform: options.platform,
        clock: options.clock,
        log: options.log,
      }),
    );
  }
  return streams;
}

export const LOGINS_SOURCE_NAME = 'logins';

function loginStreamsOptions(context: SourceContext, config: AgentConfig['logins']): LoginStreamsOptions {
  const { platform, runCommand, clock, log, sleep } = context;
  return { config, platform, runCommand, clock, log, sleep };
}

/** Login events, followed live (never from a capture): the `run` streams and one `probe` row. */
export const loginsSourceDefinition: SourceDefinition<'logins'> = {
  name: LOGINS_SOURCE_NAME,
  defaultEnabled: true,
  platforms: ['darwin', 'linux'],
  configKey: 'logins',
  notReplayable: 'login events are followed live, not replayed from a capture',
  createStreams: (context, logins) => createLoginStreams(loginStreamsOptions(context, logins)),
  probeRows: (context, logins) => [loginsProbeRow(loginStreamsOptions(context, logins))],
};
