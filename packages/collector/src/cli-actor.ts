import { userInfo } from 'node:os';

/**
 * Who a CLI command's audit row names: the OS account the process runs as (its uid's passwd
 * entry), never $USER or $LOGNAME, which anyone sets (`USER=alice perimeter-collector tokens
 * revoke …` must still say who did it). Falls back to the uid where the account has no name.
 */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
