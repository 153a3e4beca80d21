import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeNames } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordingLogger } from '../../test-support/context.ts';
import type { EventReading, EventStreamIo } from '../types.ts';
import { accessLogStreamName, createAccessLogStreams } from './access-log-streams.ts';

/**
 * The access-log stream on a real file that grows and is rotated by rename (logrotate's default),
 * with the cursor kept as the spool keeps it; lines are the real nginx output.
 */
const [alice, refused, bob] = readFileSync(
  new URL('testdata/nginx-access.log', import.meta.url),
  'utf8',
).split('\n');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-access-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function memoryIo(store: { cursor: string | null; events: EventReading[] }): EventStreamIo {
  return {
    deliver(events, cursor) {
      store.events.push(...events);
      store.cursor = cursor;
    },
    advance(cursor) {
      store.cursor = cursor;
    },
    readCursor: () => store.cursor,
  };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the stream');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function stream(path: string) {
  const [created] = createAccessLogStreams({
    accessLogs: [{ path, format: 'nginx-json', userField: 'remote_user' }],
    clock: { nowMs: () => Date.UTC(2026, 11, 4, 18) },
    log: createRecordingLogger(),
    sleep: (_ms, signal) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, 5);
        const abort = () => {
          clearTimeout(timer);
          resolve();
        };
        signal.addEventListener('abort', abort, { once: true });
      }),
    pollMs: 5,
  });
  if (created === undefined) throw new Error('no stream');
  return created;
}

describe('inference access-log stream', () => {
  it('skips history at the first start, follows appends, survives rotation and a restart without repeats', async () => {
    const path = join(dir, 'ai_access.json');
    writeFileSync(path, `${alice}\n`);
    const store = { cursor: null as string | null, events: [] as EventReading[] };
    const first = stream(path);
    expect(first.name).toBe(accessLogStreamName(path));
    first.start(memoryIo(store));
    await until(() => store.cursor !== null);
    appendFileSync(path, `${refused}\n`);
    await until(() => store.events.length === 1);
    // Rotation: one more line in the old file, renamed away, and a new file with another.
    appendFileSync(path, `${alice}\n`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, `${bob}\n`);
    await until(() => store.events.length === 3);
    await first.stop();

    const second = stream(path);
    second.start(memoryIo(store));
    appendFileSync(path, `${refused}\n`);
    await until(() => store.events.length === 4);
    await second.stop();
    const statuses = store.events.map((e) => e.attributes[AttributeNames.httpResponseStatusCode]);
    expect(statuses).toEqual([401, 200, 200, 401]);
    expect(store.events.map((e) => e.attributes[AttributeNames.userName])).toEqual([
      'alice',
      'alice',
      '',
      'alice',
    ]);
  });
});
