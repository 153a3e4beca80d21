import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import {
  AGENT_CLI,
  COLLECTOR_CLI,
  freePort,
  REPO_ROOT,
  stopProcess,
  waitForOutput,
} from '../helpers/processes.ts';

/**
 * Chaos (e): a locked or corrupt SQLite file at start, on real `serve` and `run` processes. Each
 * must refuse to start, exit 1 (ARCHITECTURE.md: 1 = anything else), say why in one line that
 * names the file, and leave the file byte for byte as it was (no wipe, no "repair", no new
 * -wal/-shm beside it). The same refusals are unit-tested at the open call in
 * packages/collector/src/store/store.test.ts and packages/agent/src/spool/spool.test.ts, and a
 * second agent on one data dir in packages/agent/src/cli.test.ts; here they are whole processes.
 * About 15 s.
 */
const GARBAGE = Buffer.from('this is not an SQLite database, it is garbage. '.repeat(400));

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function runCollectorServe(dataDir: string, timeoutMs = 30_000) {
  return spawnSync(
    process.execPath,
    [COLLECTOR_CLI, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'warn'],
    { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' },
  );
}

async function runAgent(dataDir: string) {
  const port = await freePort();
  return spawnSync(
    process.execPath,
    [
      AGENT_CLI,
      'run',
      '--collector',
      `http://127.0.0.1:${port}`,
      '--node-id',
      'refusing-node',
      '--data-dir',
      dataDir,
      '--interval',
      '1s',
    ],
    { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PERIMETER_TOKEN: 'pmt_x_y' } },
  );
}

/** Another process holding an SQLite file locked (BEGIN EXCLUSIVE) until it is stopped. */
async function holdLock(path: string): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(path)});
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: join(REPO_ROOT, 'test'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('a locked or corrupt SQLite file at start', () => {
  const children: ChildProcess[] = [];
  let collector: CollectorProcess | undefined;
  afterEach(async () => {
    for (const child of children.splice(0)) await stopProcess(child, 'SIGKILL');
    await collector?.stop();
    collector = undefined;
  });

  it('collector: a corrupt store is refused, named, and left byte-identical', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-chaos-corrupt-store-'));
    const path = join(dataDir, 'collector.db');
    writeFileSync(path, GARBAGE, { mode: 0o600 });
    const before = sha256(path);
    const result = runCollectorServe(dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`store ${path} is corrupt and was left untouched`);
    expect(sha256(path)).toBe(before);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('collector.db'))).toEqual(['collector.db']);
  });

  it('collector: a store another process holds locked is refused, named, and unchanged', async () => {
    const first = await startCollectorProcess({ logLevel: 'warn' });
    await first.stop();
    const path = join(first.dataDir, 'collector.db');
    const before = sha256(path);
    children.push(await holdLock(path));
    const result = runCollectorServe(first.dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`store ${path} is locked by another process`);
    await stopProcess(children.pop() as ChildProcess, 'SIGKILL');
    expect(sha256(path)).toBe(before);
  });

  // A refused second `serve` takes the instance lock before it opens anything, so it exits at once.
  it('collector: a second serve on a data dir in use is refused (exit 1), and the first keeps serving', async () => {
    const first = await startCollectorProcess({ logLevel: 'warn' });
    collector = first;
    const result = runCollectorServe(first.dataDir, 10_000);
    expect(result.stderr).toContain(
      `data directory ${first.dataDir} is in use by another perimeter-collector serve`,
    );
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(result.status).toBe(1);
  });

  it('agent: a corrupt spool is refused, named, and left byte-identical', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-chaos-corrupt-spool-'));
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, 'spool.db');
    writeFileSync(path, GARBAGE, { mode: 0o600 });
    const before = sha256(path);
    const result = await runAgent(dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`spool ${path}: is not a readable SQLite database`);
    expect(sha256(path)).toBe(before);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('agent: a spool another process holds locked is refused, named, and unchanged', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-chaos-locked-spool-'));
    // A real spool first: one short run against a dead collector leaves it with data in it.
    const path = join(dataDir, 'spool.db');
    const once = spawn(
      process.execPath,
      [
        AGENT_CLI,
        'run',
        '--collector',
        `http://127.0.0.1:${await freePort()}`,
        '--node-id',
        'refusing-node',
        '--data-dir',
        dataDir,
        '--interval',
        '200ms',
      ],
      { env: { ...process.env, PERIMETER_TOKEN: 'pmt_x_y' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Wait for the agent's own "started" line (it installs its SIGTERM handler right after) and a
    // few rounds, not a fixed time: on a loaded machine start-up alone can take over 2 s, and a
    // SIGTERM before the handler exists kills the process instead of stopping it.
    await waitForOutput(once, 'perimeter-agent started', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await stopProcess(once, 'SIGTERM')).toBe(0);
    const before = sha256(path);
    children.push(await holdLock(path));
    const result = await runAgent(dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`spool ${path}: is locked by another process`);
    await stopProcess(children.pop() as ChildProcess, 'SIGKILL');
    expect(sha256(path)).toBe(before);
  }, 60_000);
});
