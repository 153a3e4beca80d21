/**
 * Runs a long-lived child (`journalctl --follow --output=json …`, `log stream --style ndjson …`)
 * and hands each stdout line to `onLine`. When the child exits it is started again after a capped
 * exponential backoff (reset once a run has lasted `resetAfterMs`). A command that does not exist
 * (ENOENT: no journalctl on this distribution) is reported once and retried only every
 * `notFoundRetryMs`, not hammered. `stop()` ends the loop and kills the child.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { spawn as nodeSpawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

export type LineProcessEvent =
  | { type: 'started'; pid: number | undefined }
  | {
      type: 'exited';
      code: number | null;
      signal: string | null;
      retryInMs: number;
      /** The end of what the child wrote to stderr (a refusal says why here: `log: Must be admin …`). */
      stderr: string;
    }
  | { type: 'not-found'; command: string; retryInMs: number }
  | { type: 'error'; error: Error; retryInMs: number };

export interface LineProcessOptions {
  command: string;
  /** Called before each start, so a restart can resume after the last saved cursor. */
  args: readonly string[] | (() => readonly string[]);
  onLine: (line: string) => void;
  /** Each stderr line as it comes (journalctl warns there and keeps running). */
  onStderrLine?: (line: string) => void;
  onEvent?: (event: LineProcessEvent) => void;
  spawn?: (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;
  /** Resolves after ms, or early (without throwing) when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  resetAfterMs?: number;
  notFoundRetryMs?: number;
}

export interface LineProcess {
  stop(): Promise<void>;
  /** Settles when the loop has ended (after stop()). */
  done: Promise<void>;
}

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted by stop()
  }
}

/** One run of the child: resolves with how it ended. */
const STDERR_KEPT_CHARS = 2048;

function runOnce(
  child: ChildProcess,
  onLine: (line: string) => void,
  onStderrLine: ((line: string) => void) | undefined,
): Promise<{
  code: number | null;
  signal: string | null;
  error: NodeJS.ErrnoException | null;
  stderr: string;
}> {
  return new Promise((resolve) => {
    let error: NodeJS.ErrnoException | null = null;
    let stderr = '';
    if (child.stdout) {
      const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => onLine(line));
    }
    const stderrDone = new Promise<void>((done) => {
      if (!child.stderr) return done();
      const lines = createInterface({ input: child.stderr, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => {
        stderr = `${stderr}${line}\n`.slice(-STDERR_KEPT_CHARS);
        onStderrLine?.(line);
      });
      lines.on('close', () => done());
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
      // A child that never started emits no 'close' on some platforms; resolve here too.
      if (child.pid === undefined) resolve({ code: null, signal: null, error, stderr });
    });
    child.on('close', (code, signal) => {
      void stderrDone.then(() => resolve({ code, signal, error, stderr }));
    });
  });
}

export function startLineProcess(options: LineProcessOptions): LineProcess {
  const spawn = options.spawn ?? nodeSpawn;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const minBackoff = options.minBackoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 60_000;
  const resetAfter = options.resetAfterMs ?? 60_000;
  const notFoundRetry = options.notFoundRetryMs ?? 5 * 60_000;
  const abort = new AbortController();
  let child: ChildProcess | null = null;
  let backoff = minBackoff;
  let reportedNotFound = false;

  async function loop(): Promise<void> {
    while (!abort.signal.aborted) {
      const args = typeof options.args === 'function' ? options.args() : options.args;
      const startedAt = now();
      let result: Awaited<ReturnType<typeof runOnce>>;
      try {
        child = spawn(options.command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        if (child.pid !== undefined) options.onEvent?.({ type: 'started', pid: child.pid });
        result = await runOnce(child, options.onLine, options.onStderrLine);
      } catch (error) {
        result = { code: null, signal: null, error: error as NodeJS.ErrnoException, stderr: '' };
      }
      child = null;
      if (abort.signal.aborted) break;
      let wait: number;
      if (result.error?.code === 'ENOENT') {
        wait = notFoundRetry;
        if (!reportedNotFound)
          options.onEvent?.({ type: 'not-found', command: options.command, retryInMs: wait });
        reportedNotFound = true;
      } else {
        reportedNotFound = false;
        if (now() - startedAt >= resetAfter) backoff = minBackoff;
        wait = backoff;
        backoff = Math.min(backoff * 2, maxBackoff);
        if (result.error) options.onEvent?.({ type: 'error', error: result.error, retryInMs: wait });
        else
          options.onEvent?.({
            type: 'exited',
            code: result.code,
            signal: result.signal,
            retryInMs: wait,
            stderr: result.stderr,
          });
      }
      await sleep(wait, abort.signal);
    }
  }

  const done = loop();
  return {
    done,
    async stop() {
      abort.abort();
      const running = child;
      if (running !== null && running.exitCode === null && running.signalCode === null)
        running.kill('SIGTERM');
      await done;
    },
  };
}
