#!/usr/bin/env node
/**
 * The README demo: a collector on 127.0.0.1:4318 with an embedded SQLite data directory, and an
 * agent for this host enrolled automatically (its own node token, kept 0600 for the next run).
 * The collector prints each stored batch; Ctrl-C stops both cleanly.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = join(import.meta.dirname, '..');
const collectorCli = join(repoRoot, 'packages', 'collector', 'src', 'cli.ts');
const agentCli = join(repoRoot, 'packages', 'agent', 'src', 'cli.ts');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4318' },
    interval: { type: 'string', default: '5s' },
    'data-dir': { type: 'string', default: join(repoRoot, '.perimeter', 'demo') },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('pnpm demo [--port 4318] [--interval 5s] [--data-dir .perimeter/demo]');
  process.exit(0);
}

const dataDir = values['data-dir'];
const collectorDir = join(dataDir, 'collector');
const agentDir = join(dataDir, 'agent');
const listen = `127.0.0.1:${values.port}`;
const url = `http://${listen}`;
const nodeId =
  hostname()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '') || 'this-host';
mkdirSync(agentDir, { recursive: true, mode: 0o700 });

if (await portInUse(Number(values.port))) {
  console.error(
    `error: ${listen} is already in use (another collector or OTLP receiver?). Stop it, or run: pnpm demo --port 14318`,
  );
  process.exit(1);
}

const tokenFile = join(agentDir, 'demo-token');
// A saved token is only good while the store that knows its hash is still there.
const token =
  existsSync(tokenFile) && existsSync(join(collectorDir, 'collector.db'))
    ? readFileSync(tokenFile, 'utf8').trim()
    : enroll();

// A reader token for the console, made once per store through the same token store the CLI uses.
const readerTokenFile = join(dataDir, 'console-reader-token');
const readerToken =
  existsSync(readerTokenFile) && existsSync(join(collectorDir, 'collector.db'))
    ? readFileSync(readerTokenFile, 'utf8').trim()
    : createReaderToken();

const collectorLog = join(dataDir, 'collector.log');
const agentLog = join(dataDir, 'agent.log');
// Children get their own process group (detached): Ctrl-C reaches only this script, which stops the
// agent first (so it ships what it has) and the collector last, each exactly once.
const collector = spawn(
  process.execPath,
  [collectorCli, 'serve', '--listen', listen, '--data-dir', collectorDir, '--log-readings'],
  {
    stdio: ['ignore', 'inherit', 'pipe'],
    detached: true,
  },
);
collector.stderr?.pipe(createWriteStream(collectorLog, { flags: 'a', mode: 0o600 }));
await waitForReady();

const agent = spawn(
  process.execPath,
  [
    agentCli,
    'run',
    '--collector',
    url,
    '--node-id',
    nodeId,
    '--data-dir',
    agentDir,
    '--interval',
    values.interval,
  ],
  { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PERIMETER_TOKEN: token }, detached: true },
);
agent.stderr?.pipe(createWriteStream(agentLog, { flags: 'a', mode: 0o600 }));

console.log(`Perimeter demo
  collector  ${url}   (try: curl -s ${url}/metrics | grep -E 'system_cpu|hw_temperature|perimeter_ingest')
  console    ${url}/   sign in with the reader token: ${readerToken}
  agent      node "${nodeId}", sampling every ${values.interval}
  data       ${dataDir}   logs: collector.log, agent.log
Readings appear below as the collector stores them. Ctrl-C stops both.
`);

let stopping = false;
const stopAll = async (reason: string) => {
  if (stopping) {
    return;
  }
  stopping = true;
  console.log(`\nstopping (${reason}) …`);
  await stop(agent);
  await stop(collector);
  console.log('stopped cleanly.');
  process.exit(0);
};
process.on('SIGINT', () => void stopAll('Ctrl-C'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));
for (const [name, child, log] of [
  ['collector', collector, collectorLog],
  ['agent', agent, agentLog],
] as const) {
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited unexpectedly (${signal ?? `exit ${code}`}); see ${log}`);
      void stopAll(`${name} exited`);
    }
  });
}

function enroll(): string {
  const created = execFileSync(
    process.execPath,
    [collectorCli, 'tokens', 'create', '--node', nodeId, '--data-dir', collectorDir],
    {
      encoding: 'utf8',
    },
  ).trim();
  writeFileSync(tokenFile, `${created}\n`, { mode: 0o600 });
  console.log(`enrolled this host as node "${nodeId}" (token saved to ${tokenFile}, mode 0600)`);
  return created;
}

function createReaderToken(): string {
  const created = execFileSync(
    process.execPath,
    [
      collectorCli,
      'tokens',
      'create',
      '--node',
      'demo-console',
      '--role',
      'reader',
      '--data-dir',
      collectorDir,
    ],
    { encoding: 'utf8' },
  ).trim();
  writeFileSync(readerTokenFile, `${created}\n`, { mode: 0o600 });
  return created;
}

async function waitForReady(): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (collector.exitCode !== null) {
      console.error(`collector failed to start; see ${collectorLog}`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.error(`collector did not become ready; see ${collectorLog}`);
  process.exit(1);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
