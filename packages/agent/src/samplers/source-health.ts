/**
 * Whether a followed source can be read, said by the source itself (GUIDE: least privilege, split;
 * a source the agent cannot read is reported, never silently empty). A source that is refused
 * (macOS `log` exits 64 with `log: Must be admin to run 'stream' command`; journalctl shows only
 * the agent's own messages), cannot open its file (EACCES) or whose program or file does not exist
 * says `down` with the reason and the fix; it says `up` once it reads again. The agent turns each
 * change into an `agent.lifecycle` event and keeps `perimeter.source.up` per source and reason.
 */
export type SourceDownReason = 'refused' | 'permission-denied' | 'not-found';

export type SourceHealth =
  | { up: true; detail: string }
  | { up: false; reason: SourceDownReason; detail: string; fix: string };

/** macOS `log` refuses users outside the admin group with exit status 64 (EX_USAGE) and this text. */
export const MACOS_LOG_REFUSAL = /Must be admin to run '(?:stream|show)' command/;
export const MACOS_LOG_REFUSED_STATUS = 64;

/** journalctl run by a user outside systemd-journal/adm/wheel shows only that user's own journal. */
export const JOURNAL_NOT_ALL_MESSAGES = /not seeing messages from other users and the system/;

/** Whether a child's exit is the macOS admin refusal: status 64 and the message on stderr. */
export function isMacosLogRefusal(code: number | null, stderr: string): boolean {
  return code === MACOS_LOG_REFUSED_STATUS && MACOS_LOG_REFUSAL.test(stderr);
}

/** The reason for an errno from opening a file or starting a program, or null for others. */
export function reasonOfErrno(code: string | undefined): SourceDownReason | null {
  if (code === 'EACCES' || code === 'EPERM') return 'permission-denied';
  if (code === 'ENOENT') return 'not-found';
  return null;
}
