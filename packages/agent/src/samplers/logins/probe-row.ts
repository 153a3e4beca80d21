import { accessSync, constants } from 'node:fs';
import type { ProbeRow } from '../../capture/probe-catalogue.ts';
import { chooseLoginSource, type LoginStreamsOptions } from './index.ts';

/**
 * The `probe` row for login events: which source this node would follow and whether the agent's
 * user can read it (Debian's auth.log is root:adm 0640: the agent user must be in group adm).
 */
export function loginsProbeRow(
  options: LoginStreamsOptions,
  canRead: (path: string) => boolean = readable,
): ProbeRow {
  const row = { sampler: 'logins', reading: 'auth.login' };
  const choice = chooseLoginSource(options);
  switch (choice.kind) {
    case 'none':
      return { ...row, status: 'not on this host', source: '-', reason: choice.reason };
    case 'journald':
      return { ...row, status: 'available', source: 'journalctl --follow', reason: 'systemd journal' };
    case 'unified-log':
      return { ...row, status: 'available', source: 'log stream', reason: 'unified log, login predicate' };
    case 'file':
      return canRead(choice.path)
        ? { ...row, status: 'available', source: choice.path, reason: 'followed by offset' }
        : {
            ...row,
            status: 'needs root',
            source: choice.path,
            reason: 'not readable by this user: add it to the group that owns the file (adm on Debian)',
          };
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
