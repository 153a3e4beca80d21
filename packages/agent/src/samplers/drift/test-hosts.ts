import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CommandResult, RunCommand } from '../../host/run-command.ts';
import { createTestContext } from '../../test-support/context.ts';
import type { SamplerContext } from '../types.ts';

/** Test seams for the drift tests: a runCommand answering by exact argv, and tiny host trees. */

export const testdataPath = (...parts: string[]) => resolve(import.meta.dirname, 'testdata', ...parts);
export const handMade = (name: string) => readFileSync(testdataPath('macos', name), 'utf8');

export const ok = (stdout: string): CommandResult => ({ status: 'ok', stdout, stderr: '' });
export const failed = (exitCode: number, stderr = ''): CommandResult => ({
  status: 'failed',
  exitCode,
  stderr,
});
export const defaultsMissing = (domain: string, key: string) =>
  failed(1, `\nThe domain/default pair of (${domain}, ${key}) does not exist\n`);

/** Answers keyed by `argv.join(' ')`; anything else is not-found. Records every argv run. */
export function scriptedRunCommand(answers: Record<string, CommandResult>): RunCommand & { calls: string[] } {
  const calls: string[] = [];
  const run = async (argv: readonly string[]) => {
    const key = argv.join(' ');
    calls.push(key);
    return answers[key] ?? { status: 'not-found' as const, command: argv[0] ?? '' };
  };
  return Object.assign(run, { calls });
}

/** A fresh temp root holding `files` (host path → content). */
export function makeHostTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'perimeter-drift-'));
  writeHostFiles(root, files);
  return root;
}

export function writeHostFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

export function contextFor(
  platform: NodeJS.Platform,
  fs: SamplerContext['fs'],
  runCommand: RunCommand,
  nowMs = Date.UTC(2026, 0, 1),
): SamplerContext & { clock: { nowMs(): number; set(ms: number): void } } {
  let now = nowMs;
  const clock = {
    nowMs: () => now,
    set: (ms: number) => {
      now = ms;
    },
  };
  return { ...createTestContext(fs, { platform, runCommand }), clock };
}
