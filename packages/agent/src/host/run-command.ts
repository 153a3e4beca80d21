import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * The only place the agent starts programs. Argv is always an exact list (never a shell string),
 * and a missing command is an outcome (`not-found`), not an exception: many readings simply do not
 * exist on a given host.
 */
export type CommandResult =
  | { status: 'ok'; stdout: string; stderr: string }
  | { status: 'not-found'; command: string }
  | { status: 'failed'; exitCode: number | null; stderr: string }
  | { status: 'timeout'; afterMs: number };

export interface RunCommandOptions {
  timeoutMs?: number;
  maxBufferBytes?: number;
}

export type RunCommand = (argv: readonly string[], options?: RunCommandOptions) => Promise<CommandResult>;

export function createRunCommand(defaults: { timeoutMs: number } = { timeoutMs: 10_000 }): RunCommand {
  return (argv, options = {}) => {
    const [command, ...args] = argv;
    if (command === undefined) {
      return Promise.reject(new TypeError('runCommand needs at least the program name'));
    }
    const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
    return isOnPath(command).then((found) =>
      found ? spawnCommand(command, args, timeoutMs, options) : { status: 'not-found', command },
    );
  };
}

/**
 * Whether execvp would find `command`: looked up here because a program that is not installed
 * (chronyc on a timesyncd host) would otherwise cost a fork of the whole agent to learn ENOENT.
 * A name with a slash is tried as is; an unset PATH searches execvp's default.
 */
export async function isOnPath(
  command: string,
  path = process.env['PATH'] ?? '/bin:/usr/bin',
): Promise<boolean> {
  if (command.includes('/')) return true;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory, or not executable there: execvp goes on to the next too.
    }
  }
  return false;
}

function spawnCommand(
  command: string,
  args: string[],
  timeoutMs: number,
  options: RunCommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer: options.maxBufferBytes ?? 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ status: 'ok', stdout, stderr });
          return;
        }
        const failure = error as NodeJS.ErrnoException & {
          killed?: boolean;
          code?: string | number | null;
        };
        if (failure.code === 'ENOENT') {
          resolve({ status: 'not-found', command });
        } else if (failure.killed) {
          resolve({ status: 'timeout', afterMs: timeoutMs });
        } else {
          resolve({
            status: 'failed',
            exitCode: typeof failure.code === 'number' ? failure.code : null,
            stderr,
          });
        }
      },
    );
  });
}
