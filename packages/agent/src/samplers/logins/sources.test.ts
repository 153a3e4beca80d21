import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandResult, RunCommand } from '../../host/run-command.ts';
import { createRecordingLogger } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import type { SourceHealth } from '../source-health.ts';
import type { EventReading, EventStream, EventStreamIo } from '../types.ts';
import { chooseLoginSource } from './index.ts';
import { createJournaldSource } from './journald-source.ts';
import { createLastBackfill } from './last-backfill.ts';
import { createUnifiedLogSource, logShowArgv } from './unified-log-source.ts';

/**
 * The followers on real child processes: a stand-in `journalctl` / `log` script on PATH prints
 * recorded lines (and the argv it was given), exactly as the real program would to the agent.
 * The cursor store is the in-memory equivalent of the spool's cursors table.
 */
let bin: string;
let savedPath: string | undefined;

beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'perimeter-fake-bin-'));
  savedPath = process.env['PATH'];
  process.env['PATH'] = `${bin}:${savedPath}`;
});
afterEach(() => {
  process.env['PATH'] = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

/** A program that records its argv and prints a file, then stays up like a follower does. */
function fakeProgram(name: string, linesFile: string) {
  const argvFile = join(bin, `${name}.argv`);
  writeFileSync(
    join(bin, name),
    `#!/bin/sh\nprintf '%s\\n' "$@" >> '${argvFile}'\necho '--' >> '${argvFile}'\ncat '${linesFile}'\nexec sleep 30\n`,
  );
  chmodSync(join(bin, name), 0o755);
  return {
    argvs: () =>
      readFileSync(argvFile, 'utf8')
        .split('--\n')
        .filter(Boolean)
        .map((a) => a.trim().split('\n')),
  };
}

function memoryIo(initial: string | null = null) {
  const store: {
    cursor: string | null;
    batches: Array<{ events: readonly EventReading[]; cursor: string }>;
  } = {
    cursor: initial,
    batches: [],
  };
  const io: EventStreamIo = {
    deliver(events, cursor) {
      store.batches.push({ events, cursor });
      store.cursor = cursor;
    },
    advance(cursor) {
      store.cursor = cursor;
    },
    readCursor: () => store.cursor,
  };
  return { io, store, events: () => store.batches.flatMap((b) => b.events) };
}

async function until(check: () => boolean, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function stopAll(...streams: EventStream[]) {
  await Promise.all(streams.map((s) => s.stop()));
}

describe('journald follower', () => {
  it('sends the journal’s login lines with their cursor, and resumes after the committed cursor', async () => {
    const program = fakeProgram(
      'journalctl',
      join(import.meta.dirname, 'testdata', 'journalctl-auth.ndjson'),
    );
    const first = memoryIo();
    const source = createJournaldSource({ log: createRecordingLogger(), flushMs: 20 });
    source.start(first.io);
    await until(() => first.store.cursor?.includes('i=6') === true, 'the last cursor');
    await stopAll(source);
    const failures = first.events().filter((e) => e.attributes['auth.outcome'] === 'failure');
    expect(failures[0]?.attributes).toMatchObject({ 'user.name': 'admin', 'source.address': '203.0.113.9' });
    expect(program.argvs()[0]).toContain('--lines=0');

    const again = createJournaldSource({ log: createRecordingLogger(), flushMs: 20 });
    const resumed = memoryIo(first.store.cursor);
    again.start(resumed.io);
    await until(() => program.argvs().length === 2, 'journalctl started again');
    await stopAll(again);
    const argv = program.argvs()[1] ?? [];
    expect(argv[argv.indexOf('--after-cursor') + 1]).toBe(first.store.cursor);
  });
});

describeWithFixtures('unified log follower (macOS)', () => {
  const record = readFileSync(
    sharedFixturePath('macos', 'log-ndjson-authorizationhost-failed.ndjson'),
    'utf8',
  );

  it('streams login records; after a restart it fills the gap with log show and drops what it had sent', async () => {
    const streamed = join(bin, 'stream.ndjson');
    writeFileSync(streamed, `Filtering the log data using "…"\n${record}`);
    fakeProgram('log', streamed);
    const shows: string[][] = [];
    const runCommand: RunCommand = async (argv): Promise<CommandResult> => {
      shows.push([...argv]);
      return { status: 'ok', stdout: record, stderr: '' };
    };
    const first = memoryIo();
    const readerFile = join(bin, 'no-reader.ndjson');
    const source = createUnifiedLogSource({
      runCommand,
      log: createRecordingLogger(),
      flushMs: 20,
      readerFile,
    });
    source.start(first.io);
    await until(() => first.events().length === 1, 'the streamed failure');
    await stopAll(source);
    expect(shows).toEqual([]); // nothing to fill on a first start
    expect(first.events()[0]?.attributes).toMatchObject({
      'auth.outcome': 'failure',
      'process.executable.name': 'authorizationhost',
    });

    // Restart: log show returns the same record the stream prints again: sent once, not twice.
    const again = createUnifiedLogSource({
      runCommand,
      log: createRecordingLogger(),
      flushMs: 20,
      readerFile,
    });
    const resumed = memoryIo(first.store.cursor);
    again.start(resumed.io);
    await until(() => shows.length === 1, 'log show filled the gap');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stopAll(again);
    expect(resumed.events()).toEqual([]);
    const since = (JSON.parse(first.store.cursor ?? '{}') as { timeMs: number }).timeMs;
    expect(shows[0]).toEqual(logShowArgv(since));
  });
});

describeWithFixtures('unified log follower refused by macOS (the agent runs as non-admin _perimeter)', () => {
  const record = readFileSync(
    sharedFixturePath('macos', 'log-ndjson-authorizationhost-failed.ndjson'),
    'utf8',
  );

  it('log exits 64 with the admin refusal: blind with the fix, then reads the root login-reader file once it exists', async () => {
    // The stand-in refuses exactly as /usr/bin/log does for a user outside the admin group.
    writeFileSync(
      join(bin, 'log'),
      `#!/bin/sh\necho "log: Must be admin to run 'stream' command" >&2\nexit 64\n`,
    );
    chmodSync(join(bin, 'log'), 0o755);
    const readerFile = join(bin, 'logins.ndjson');
    const runCommand: RunCommand = async () => ({ status: 'not-found', command: 'log' });
    const health: SourceHealth[] = [];
    const io = memoryIo();
    const source = createUnifiedLogSource({
      runCommand,
      log: createRecordingLogger(),
      flushMs: 20,
      pollMs: 20,
      readerFile,
    });
    source.start({ ...io.io, reportHealth: (h) => health.push(h) });
    await until(() => health.length === 1, 'the refusal reported');
    expect(health[0]).toMatchObject({
      up: false,
      reason: 'refused',
      detail: "log exited 64: log: Must be admin to run 'stream' command",
      fix: expect.stringContaining('deploy/macos/install.sh'),
    });
    expect(io.events()).toEqual([]);

    // install.sh ran: the root job writes `log show --style ndjson` output the agent may read.
    writeFileSync(readerFile, record);
    await until(() => io.events().length === 1, 'the failure read from the login-reader file');
    await until(() => health.length === 2, 'the source up again');
    expect(health[1]).toMatchObject({ up: true });
    expect(io.events()[0]?.attributes).toMatchObject({ 'process.executable.name': 'authorizationhost' });

    // The job's next run repeats the last 5 minutes: nothing is sent twice.
    writeFileSync(readerFile, `${record}${record}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stopAll(source);
    expect(io.events()).toHaveLength(1);
    expect(JSON.parse(io.store.cursor ?? '{}')).toHaveProperty('tail');
  });
});

describeWithFixtures('last backfill', () => {
  it('sends the history once, at the first start only', async () => {
    const last = readFileSync(sharedFixturePath('macos', 'last-macos.txt'), 'utf8');
    let runs = 0;
    const runCommand: RunCommand = async () => {
      runs += 1;
      return { status: 'ok', stdout: last, stderr: '' };
    };
    const options = {
      runCommand,
      platform: 'darwin' as const,
      clock: { nowMs: () => Date.UTC(2020, 2, 1) },
      log: createRecordingLogger(),
    };
    const first = memoryIo();
    const backfill = createLastBackfill(options);
    backfill.start(first.io);
    await backfill.stop();
    expect(first.events()).toHaveLength(323);
    expect(first.store.cursor).toBe('done');
    const second = createLastBackfill(options);
    second.start(memoryIo('done').io);
    await second.stop();
    expect(runs).toBe(1);
  });
});

describe('chooseLoginSource', () => {
  const base = {
    runCommand: async () => ({ status: 'not-found' as const, command: '' }),
    clock: { nowMs: () => 0 },
  };
  const choose = (platform: NodeJS.Platform, logins: object, paths: string[]) =>
    chooseLoginSource({
      ...base,
      log: createRecordingLogger(),
      sleep: async () => {},
      platform,
      config: { source: 'auto', backfill: true, ...logins },
      exists: (path) => paths.includes(path),
    });

  it('follows the unified log on macOS, and on Linux the configured file, the journal, auth.log or secure', () => {
    expect(choose('darwin', {}, [])).toEqual({ kind: 'unified-log' });
    expect(choose('linux', { authLog: '/srv/auth.log' }, ['/run/systemd/journal'])).toEqual({
      kind: 'file',
      path: '/srv/auth.log',
    });
    expect(choose('linux', {}, ['/run/systemd/journal', '/var/log/auth.log'])).toEqual({ kind: 'journald' });
    expect(choose('linux', {}, ['/var/log/secure'])).toEqual({ kind: 'file', path: '/var/log/secure' });
    expect(choose('linux', {}, [])).toMatchObject({
      kind: 'none',
      reason: expect.stringContaining('logins.authLog'),
    });
    expect(choose('linux', { source: 'off' }, ['/var/log/auth.log'])).toMatchObject({ kind: 'none' });
  });
});
