import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MACOS_PRIVILEGED_JOBS,
  PRIVILEGED_DIR,
} from '../../packages/agent/src/privileged/macos-privileged-jobs.ts';
import { MACOS_LOGIN_PREDICATE } from '../../packages/agent/src/samplers/logins/unified-log-parse.ts';
import { type PlistDict, parsePlist } from '../../packages/agent/src/samplers/macos/plist-parse.ts';

/**
 * What runs as root on a Mac is exactly the list in privileged/macos-privileged-jobs.ts
 * (docs/least-privilege.md): each installed plist runs that fixed command line, nothing more, and
 * install.sh installs exactly those plists and rotates exactly those files. A command line changed
 * on one side only fails here. `plutil -lint` is the full plist check on a Mac (install.sh runs it).
 */
const DEPLOY = resolve(import.meta.dirname, '../../deploy');
const installSh = readFileSync(join(DEPLOY, 'macos/install.sh'), 'utf8');
const plistOf = (label: string) =>
  parsePlist(readFileSync(join(DEPLOY, `launchd/${label}.plist`), 'utf8')) as PlistDict;

describe('the privileged readers on macOS', () => {
  it.each(MACOS_PRIVILEGED_JOBS.map((job) => [job.label, job] as const))(
    '%s: the plist runs exactly the declared command as root on its schedule, into its file',
    (label, job) => {
      const plist = plistOf(label);
      expect(plist['Label']).toBe(label);
      expect(plist['ProgramArguments']).toEqual(job.argv);
      expect(Object.keys(plist)).not.toContain('Program'); // no second program, no shell
      expect(plist['UserName']).toBe('root');
      expect(plist['StartInterval']).toBe(job.intervalSeconds);
      expect(plist['StandardOutPath']).toBe(job.output);
      expect(plist['KeepAlive']).toBeUndefined();
    },
  );

  it('every command is an absolute program with fixed arguments: no shell, no wildcard, no variable', () => {
    for (const job of MACOS_PRIVILEGED_JOBS) {
      expect(job.argv[0]).toMatch(/^\/usr\/(s?bin)\/[a-z]+$/);
      expect(['sh', 'bash', 'zsh', 'env', 'node']).not.toContain(job.argv[0]!.split('/').at(-1));
      for (const arg of job.argv) expect(arg).not.toMatch(/\$|`|\*(?![^{]*\})|;|&&|\|\|/);
      expect(job.output.startsWith(`${PRIVILEGED_DIR}/`)).toBe(true);
    }
    // The login reader reads with the very predicate the agent's own `log stream` uses.
    expect(MACOS_PRIVILEGED_JOBS[0]?.argv).toContain(MACOS_LOGIN_PREDICATE);
  });

  it('install.sh installs exactly these labels and outputs, and newsyslog rotates exactly these files', () => {
    const labels = /^READER_LABELS=\((.*)\)$/m.exec(installSh)?.[1]?.split(' ');
    const outputs = /^READER_OUTPUTS=\((.*)\)$/m.exec(installSh)?.[1]?.split(' ');
    expect(labels).toEqual(MACOS_PRIVILEGED_JOBS.map((job) => job.label));
    expect(outputs?.map((name) => `${PRIVILEGED_DIR}/${name}`)).toEqual(
      MACOS_PRIVILEGED_JOBS.map((j) => j.output),
    );
    const rotated = readFileSync(join(DEPLOY, 'macos/newsyslog-perimeter.conf'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('/'))
      .map((line) => line.split(/\s+/));
    expect(rotated.filter(([path]) => !path!.endsWith('.err'))).toEqual(
      MACOS_PRIVILEGED_JOBS.map((job) => [job.output, 'root:_perimeter', '640', '5', '10240', '*', 'NJ']),
    );
  });
});
