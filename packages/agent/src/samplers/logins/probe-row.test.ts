import { describe, expect, it } from 'vitest';
import { createRecordingLogger } from '../../test-support/context.ts';
import { loginsProbeRow } from './probe-row.ts';

const options = (platform: NodeJS.Platform, logins: object, paths: string[]) => ({
  config: { source: 'auto' as const, backfill: true, ...logins },
  platform,
  runCommand: async () => ({ status: 'not-found' as const, command: '' }),
  clock: { nowMs: () => 0 },
  log: createRecordingLogger(),
  sleep: async () => {},
  exists: (path: string) => paths.includes(path),
});

describe('the logins probe row', () => {
  it('names the followed source, and says why an unreadable auth log needs a group', () => {
    expect(loginsProbeRow(options('darwin', {}, []))).toMatchObject({
      status: 'available',
      source: 'log stream',
    });
    expect(loginsProbeRow(options('linux', {}, ['/var/log/auth.log']), () => true)).toMatchObject({
      status: 'available',
      source: '/var/log/auth.log',
    });
    expect(loginsProbeRow(options('linux', {}, ['/var/log/auth.log']), () => false)).toMatchObject({
      status: 'needs root',
      reason: expect.stringContaining('group'),
    });
    expect(loginsProbeRow(options('linux', {}, []))).toMatchObject({
      status: 'not on this host',
      reason: expect.stringContaining('logins.authLog'),
    });
  });
});
