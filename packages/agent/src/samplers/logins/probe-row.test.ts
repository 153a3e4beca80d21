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
  const admin = { canRead: () => false, isRootOrInGroup: () => true };
  const nonAdmin = { canRead: () => false, isRootOrInGroup: () => false };

  it('macOS: the login-reader file when readable, log stream for an admin, else needs root with the fix', () => {
    expect(loginsProbeRow(options('darwin', {}, []), { ...nonAdmin, canRead: () => true })).toMatchObject({
      status: 'available',
      source: '/var/log/perimeter/logins.ndjson',
    });
    expect(loginsProbeRow(options('darwin', {}, []), admin)).toMatchObject({
      status: 'available',
      source: 'log stream',
    });
    expect(loginsProbeRow(options('darwin', {}, []), nonAdmin)).toMatchObject({
      status: 'needs root',
      reason: expect.stringContaining('deploy/macos/install.sh'),
    });
  });

  it('Linux: the journal needs group systemd-journal; an unreadable auth log needs its group', () => {
    expect(loginsProbeRow(options('linux', {}, ['/run/systemd/journal']), nonAdmin)).toMatchObject({
      status: 'needs root',
      reason: expect.stringContaining('systemd-journal'),
    });
    expect(loginsProbeRow(options('linux', {}, ['/run/systemd/journal']), admin)).toMatchObject({
      status: 'available',
    });
    expect(
      loginsProbeRow(options('linux', {}, ['/var/log/auth.log']), { canRead: () => true }),
    ).toMatchObject({
      status: 'available',
      source: '/var/log/auth.log',
    });
    expect(
      loginsProbeRow(options('linux', {}, ['/var/log/auth.log']), { canRead: () => false }),
    ).toMatchObject({
      status: 'needs root',
      reason: expect.stringContaining('group'),
    });
    expect(loginsProbeRow(options('linux', {}, []))).toMatchObject({
      status: 'not on this host',
      reason: expect.stringContaining('logins.authLog'),
    });
  });
});
