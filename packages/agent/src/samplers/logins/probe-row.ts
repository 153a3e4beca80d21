import { accessSync, constants, readFileSync } from 'node:fs';
import type { ProbeRow } from '../../capture/probe-catalogue.ts';
import { MACOS_LOGIN_READER_OUTPUT } from '../../privileged/macos-privileged-jobs.ts';
import { chooseLoginSource, type LoginStreamsOptions } from './index.ts';

/**
 * The `probe` row for login events: which source this node would follow and whether the agent's
 * user can read it, with the fix when it cannot (docs/least-privilege.md): Debian's auth.log is
 * root:adm 0640 (group adm); the journal shows other users' messages only to systemd-journal or adm;
 * macOS `log` refuses non-admins (exit 64), so a non-admin agent reads the root login-reader file.
 */
export interface ProbeAccess {
  canRead: (path: string) => boolean;
  /** Root, or (Linux) a member of one of these groups. */
  isRootOrInGroup: (groups: readonly string[]) => boolean;
}

export const JOURNAL_GROUPS = ['systemd-journal', 'adm', 'wheel'] as const;

export function loginsProbeRow(options: LoginStreamsOptions, access: Partial<ProbeAccess> = {}): ProbeRow {
  const canRead = access.canRead ?? readable;
  const isRootOrInGroup = access.isRootOrInGroup ?? rootOrInGroup;
  const row = { sampler: 'logins', reading: 'auth.login' };
  const choice = chooseLoginSource(options);
  switch (choice.kind) {
    case 'none':
      return { ...row, status: 'not on this host', source: '-', reason: choice.reason };
    case 'journald':
      return isRootOrInGroup(JOURNAL_GROUPS)
        ? { ...row, status: 'available', source: 'journalctl --follow', reason: 'systemd journal' }
        : {
            ...row,
            status: 'needs root',
            source: 'journalctl --follow',
            reason:
              'journalctl shows this user only its own messages: add it to group systemd-journal (deploy/systemd does)',
          };
    case 'unified-log': {
      const readerFile = options.config.unifiedLogFile ?? MACOS_LOGIN_READER_OUTPUT;
      if (canRead(readerFile))
        return {
          ...row,
          status: 'available',
          source: readerFile,
          reason: 'root login-reader job (log show)',
        };
      if (isRootOrInGroup(['admin']))
        return { ...row, status: 'available', source: 'log stream', reason: 'unified log, login predicate' };
      return {
        ...row,
        status: 'needs root',
        source: 'log stream',
        reason:
          "`log` refuses non-admin users (exit 64, Must be admin to run 'stream' command): run deploy/macos/install.sh as root, which installs the root login-reader job this agent reads",
      };
    }
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

/** Whether the agent user may read a file (R_OK), for probe rows about followed logs. */
export function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** uid 0, or a member of one of `groups` (by /etc/group, which macOS keeps too for local groups). */
function rootOrInGroup(groups: readonly string[]): boolean {
  if (process.getuid?.() === 0) return true;
  const mine = new Set(process.getgroups?.() ?? []);
  try {
    return readFileSync('/etc/group', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .some(([name, , gid]) => name !== undefined && groups.includes(name) && mine.has(Number(gid)));
  } catch {
    return false;
  }
}
