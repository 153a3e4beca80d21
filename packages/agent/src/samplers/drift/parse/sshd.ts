import { CheckNotApplicable } from '../check.ts';
import { globMatches } from '../expectation.ts';

/**
 * The effective global value of an sshd_config keyword without running `sshd -T` (which needs
 * root to load host keys). As sshd(8) does: keywords are case-insensitive, the FIRST value wins,
 * `Include` is expanded in place (relative patterns are under /etc/ssh, matches in lexical order),
 * and lines after a `Match` apply only to matching connections, so they are ignored here until
 * the end of that file. Files that are read but not included (a stray sshd_config.d/*.conf with
 * no `Include`) are ignored, as sshd ignores them.
 */

export const SSHD_CONFIG = '/etc/ssh/sshd_config';

/** OpenSSH defaults (sshd_config(5)) for the keywords the checks read. */
const DEFAULTS: Record<string, string> = {
  permitrootlogin: 'prohibit-password',
  passwordauthentication: 'yes',
  kbdinteractiveauthentication: 'yes',
};

const ALIASES: Record<string, string> = { 'without-password': 'prohibit-password' };

export function effectiveSshdOption(
  files: readonly { path: string; text: string | null }[],
  keyword: string,
  mainPath = SSHD_CONFIG,
): string {
  const byPath = new Map(files.map((file) => [file.path, file.text]));
  const main = byPath.get(mainPath);
  if (main === null || main === undefined) {
    throw new CheckNotApplicable(`not on this host: ${mainPath}`);
  }
  const wanted = keyword.toLowerCase();
  const seen = new Set<string>();
  const visit = (text: string, depth: number): string | undefined => {
    let inMatch = false;
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [word = '', ...args] = line.split(/[\s=]+/).filter(Boolean);
      const key = word.toLowerCase();
      if (key === 'match') inMatch = true;
      if (inMatch) continue;
      if (key === 'include' && depth < 16) {
        for (const pattern of args) {
          const absolute = pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
          const included = [...byPath.keys()].filter((p) => globMatches(absolute, p)).sort();
          for (const path of included) {
            const inner = byPath.get(path);
            if (inner === null || inner === undefined || seen.has(path)) continue;
            seen.add(path);
            const found = visit(inner, depth + 1);
            if (found !== undefined) return found;
          }
        }
      } else if (key === wanted && args[0] !== undefined) {
        return args[0].replace(/^"|"$/g, '').toLowerCase();
      }
    }
    return undefined;
  };
  const value = visit(main, 0) ?? DEFAULTS[wanted];
  if (value === undefined) throw new CheckNotApplicable(`no default known for ${keyword}`);
  return ALIASES[value] ?? value;
}
