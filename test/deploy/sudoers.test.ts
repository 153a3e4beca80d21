import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUDO_POWERMETRICS_ARGV } from '../../packages/agent/src/samplers/macos/powermetrics-sudo.ts';

/**
 * The sudoers drop-in grants root to exactly the argv the agent runs, and nothing else. The argv
 * comes from the agent's own constant, so the rule and the code cannot drift apart. `sudo -l -U
 * _perimeter` would be the real proof but needs that user and the file installed in /etc; instead
 * the rule is read twice: by a strict reading here (which refuses anything but the two expected
 * lines) and, where the sudo package is installed, by sudo's own parser (visudo, cvtsudoers).
 * The file's mode (0440, root:wheel) is set by `install -m 0440` at install time: git keeps only
 * 0644/0755, so it cannot be checked here.
 */

const SUDOERS_FILE = resolve(import.meta.dirname, '../../deploy/sudoers/perimeter-powermetrics');
const AGENT_USER = '_perimeter';
const ALIAS = 'PERIMETER_POWERMETRICS';

/** visudo lives in sbin, which is often not on a non-root PATH. */
function findTool(name: string): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin', '/opt/homebrew/sbin'];
  return dirs.map((dir) => join(dir, name)).find((path) => isAbsoluteFile(path)) ?? null;
}
const isAbsoluteFile = (path: string) => path.startsWith('/') && existsSync(path);

const visudo = findTool('visudo');
const cvtsudoers = findTool('cvtsudoers');
const noSudo = 'not installed; install the sudo package (Debian: apt-get install -y sudo) to run it';
if (visudo === null || cvtsudoers === null) {
  console.warn(`sudoers.test.ts: visudo or cvtsudoers ${noSudo}; sudo's own parse of the rule is skipped`);
}

/** Rule lines: comments dropped, backslash-newline continuations joined. */
function ruleLines(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** sudoers escapes `,` `:` `=` `\` in command arguments with a backslash. */
const unescapeSudoers = (text: string) => text.replace(/\\(.)/g, '$1');

/** What the rule must allow: the agent's argv without its `sudo -n` prefix. */
function expectedCommand(): string[] {
  expect(SUDO_POWERMETRICS_ARGV.slice(0, 2)).toEqual(['sudo', '-n']);
  return SUDO_POWERMETRICS_ARGV.slice(2);
}

describe('deploy/sudoers/perimeter-powermetrics', () => {
  const text = readFileSync(SUDOERS_FILE, 'utf8');
  const lines = ruleLines(text);

  it('has no include directive and only two rule lines: the command alias and the user spec', () => {
    expect(text).not.toMatch(/^\s*[#@]include/m);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Cmnd_Alias\s/);
    expect(lines[1]).toMatch(new RegExp(`^${AGENT_USER}\\s`));
  });

  it("allows exactly the agent's argv minus `sudo -n`, arguments included", () => {
    const alias = /^Cmnd_Alias\s+(\w+)\s*=\s*(.+)$/.exec(lines[0] ?? '');
    expect(alias?.[1]).toBe(ALIAS);
    const commands = (alias?.[2] ?? '').split(/(?<!\\),/).map((c) => c.trim());
    expect(commands).toHaveLength(1);
    // Listed arguments make sudo match them exactly (sudoers(5) "Cmnd_List").
    expect(unescapeSudoers(commands[0] ?? '').split(/\s+/)).toEqual(expectedCommand());
  });

  it('lets only _perimeter run it, only as root, without a password; no ALL command, no wildcard', () => {
    const spec = /^(\S+)\s+(\S+)\s*=\s*\(([^)]*)\)\s*((?:[A-Z_]+:\s*)*)(\S.*)$/.exec(lines[1] ?? '');
    expect(spec?.slice(1).map((part) => part.trim())).toEqual([
      AGENT_USER,
      'ALL',
      'root',
      'NOPASSWD:',
      ALIAS,
    ]);
    for (const line of lines) {
      const commandPart = line.split('=').slice(1).join('=');
      expect(commandPart, line).not.toMatch(/(^|[\s,:])!?ALL\b/);
      expect(commandPart, line).not.toMatch(/[*?[\]!^$]|sudoedit|""/);
      // Nothing but a plain path and plain words: no globs, no regex, no negation.
      expect(commandPart.replace('(root)', ''), line).toMatch(/^[\w\s/.,\\:-]+$/);
    }
  });

  it.skipIf(visudo === null)(
    `passes visudo -c -f${visudo === null ? ` (skipped: visudo ${noSudo})` : ''}`,
    () => {
      const result = spawnSync(visudo ?? 'visudo', ['-c', '-f', SUDOERS_FILE], { encoding: 'utf8' });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('parsed OK');
    },
  );

  it.skipIf(cvtsudoers === null)(
    `reads the same way through sudo's own parser (cvtsudoers -f json)${cvtsudoers === null ? ` (skipped: ${noSudo})` : ''}`,
    () => {
      const result = spawnSync(cvtsudoers ?? 'cvtsudoers', ['-f', 'json', SUDOERS_FILE], {
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        Command_Aliases: { [ALIAS]: [{ command: expectedCommand().join(' ') }] },
        User_Specs: [
          {
            User_List: [{ username: AGENT_USER }],
            Host_List: [{ hostname: 'ALL' }],
            Cmnd_Specs: [
              {
                runasusers: [{ username: 'root' }],
                Options: [{ authenticate: false }],
                Commands: [{ cmndalias: ALIAS }],
              },
            ],
          },
        ],
      });
    },
  );
});
