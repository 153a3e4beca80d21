import { parseDurationMs } from '@perimeter/schema';
import type { DriftCheck, DriftParams, Expectation, NotConfigured } from '../check.ts';
import { parseList } from '../expectation.ts';
import { parseAgedEntries } from '../parse/linux.ts';
import { expectKind } from '../parse/raw.ts';

/** Checks and expectation builders shared by both platforms. */

/** Allow-list rules → globs over "<proto> <port> <user> <process>" items (absent fields match anything). */
export function listenerExpectation(params: DriftParams): Expectation | NotConfigured {
  if (!params.listeners) return { notConfigured: 'params.listeners' };
  return {
    op: 'subset-of',
    value: params.listeners.map(
      (rule) => `${rule.proto ?? '*'} ${rule.port} ${rule.user ?? '*'} ${rule.process ?? '*'}`,
    ),
  };
}

/** Captured listeners become exact rules (process `?` = unknown is left out of the rule). */
export function captureListeners(observed: string): { params: DriftParams } {
  const listeners = (parseList(observed) ?? []).map((item) => {
    const [proto, port, user, ...rest] = item.split(' ');
    const process = rest.join(' ');
    return {
      port: Number(port),
      proto: proto === 'udp' ? ('udp' as const) : ('tcp' as const),
      ...(user && user !== '?' ? { user } : {}),
      ...(process && process !== '?' ? { process } : {}),
    };
  });
  return { params: { listeners } };
}

export const commonChecks: readonly DriftCheck[] = [
  {
    id: 'agent.user',
    title: 'The agent does not run as root',
    platform: 'any',
    reads: { kind: 'agent-uid' },
    needsRoot: false,
    controls: { soc2: ['CC6.3'], iso27001: ['A.8.2'] },
    parse: (raw) => (expectKind(raw, 'agent-uid').uid === 0 ? 'root' : 'non-root'),
    expect: { op: 'equals', value: 'non-root' },
  },
  {
    id: 'workspace.clean',
    title: 'Ephemeral workspace directories hold nothing older than their maximum age',
    platform: 'any',
    reads: (params) =>
      params.workspaceDirs && params.workspaceDirs.length > 0
        ? {
            kind: 'aged-entries',
            dirs: params.workspaceDirs.map((dir) => ({
              path: dir.path,
              maxAgeMs: dir.maxAge === undefined ? null : parseDurationMs(dir.maxAge),
            })),
          }
        : { notConfigured: 'params.workspaceDirs' },
    needsRoot: false,
    controls: { soc2: ['CC6.5', 'C1.2'], iso27001: ['A.8.10', 'A.8.9'] },
    parse: (raw) => parseAgedEntries(expectKind(raw, 'aged-entries')),
    expect: { op: 'empty' },
    capture: () => ({ expect: { op: 'empty' } }),
  },
];

export function captureList(key: 'allowedApps' | 'allowedSshUsers') {
  return (observed: string) => ({ params: { [key]: parseList(observed) ?? [] } });
}
