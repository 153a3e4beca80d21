import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { LifecycleActions, PerimeterHeaders } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './main.ts';
import { type ScriptedCollector, startScriptedCollector } from './ship/scripted-collector.ts';

const cliPath = join(import.meta.dirname, 'cli.ts');
let dir: string;
let collector: ScriptedCollector | undefined;
const children: ChildProcess[] = [];

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(argv, { env, stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function startAgent(args: string[]) {
  const child = spawn(process.execPath, [cliPath, 'run', ...args], {
    env: { PATH: process.env['PATH'], PERIMETER_TOKEN: 'tok-e2e-secret' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

const seqsOf = (c: ScriptedCollector) => c.requests.map((r) => Number(r.headers[PerimeterHeaders.seq]));
const bodyText = (body: Buffer | undefined) => body?.toString('latin1') ?? '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-cli-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await collector?.close();
  collector = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('perimeter-agent command line', () => {
  it('prints help for the program and each command with exit 0', async () => {
    for (const argv of [
      ['--help'],
      ['run', '--help'],
      ['once', '-h'],
      ['capture', '--help'],
      ['probe', '-h'],
    ]) {
      const { code, stdout } = await cli(argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: perimeter-agent/);
    }
    expect((await cli(['run', '--help'])).stdout).toContain('--collector URL');
  });

  it("prints its version and Node's with --version, exit 0, without reading any config", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    const { code, stdout } = await cli(['--version', '--config', '/nonexistent/agent.yaml']);
    expect(code).toBe(0);
    expect(stdout).toBe(`perimeter-agent ${version} (node ${process.versions.node})\n`);
  });

  it('exits 2 with one line naming the problem for usage and config errors', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], {}, /Usage: perimeter-agent/],
      [['launch'], {}, /unknown command "launch"/],
      [['run', '--bogus'], {}, /Unknown option '--bogus'$/m],
      [['run'], {}, /^perimeter-agent: token: required for run/],
      [['run', '--token', 't', '--interval', 'soon'], {}, /interval: "soon" is not a duration/],
      [['run'], { PERIMETER_TOKEN: 't', PERIMETER_COLLECTOR: 'not a url' }, /collector: expected a URL/],
      [['run', '--token', 't', '--node-id', 'bad/id'], {}, /nodeId: use letters/],
    ];
    for (const [argv, env, message] of cases) {
      const { code, stderr } = await cli(argv, env);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    }
  });

  it('rejects a config file that toggles a sampler that does not exist, naming the key', async () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, 'samplers:\n  thermals:\n    enabled: false\n');
    const { code, stderr } = await cli(['once', '--config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}: samplers.thermals: no sampler by that name`);
  });

  it('once --json prints one JSON document of readings and sampler outcomes, and spools nothing', async () => {
    const { code, stdout } = await cli([
      'once',
      '--json',
      '--log-level',
      'silent',
      '--data-dir',
      join(dir, 'd'),
    ]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { node: string; readings: unknown[]; samplers: { name: string }[] };
    expect(doc.samplers.length).toBeGreaterThan(0);
    expect(Array.isArray(doc.readings)).toBe(true);
    expect(() => statSync(join(dir, 'd'))).toThrow();
  });
});

describe('perimeter-agent run (real process, real loopback collector)', () => {
  it('ships start, metrics and stop in seq order and exits 0 on SIGTERM', async () => {
    collector = await startScriptedCollector();
    const dataDir = join(dir, 'data');
    const agent = startAgent([
      '--interval',
      '200ms',
      '--collector',
      collector.url,
      '--data-dir',
      dataDir,
      '--node-id',
      'e2e-1',
    ]);
    await collector.waitForRequests(3, 15_000);
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    const requests = collector.requests;
    expect(seqsOf(collector)).toEqual(requests.map((_, i) => i + 1));
    expect(bodyText(requests[0]?.body)).toContain(LifecycleActions.start);
    expect(requests.some((r) => r.path === '/v1/metrics')).toBe(true);
    expect(requests.at(-1)?.path).toBe('/v1/logs');
    expect(bodyText(requests.at(-1)?.body)).toContain(LifecycleActions.stop);
    expect(requests[0]?.headers['authorization']).toBe('Bearer tok-e2e-secret');
    expect(bodyText(requests[0]?.body)).toContain('e2e-1');
    expect(statSync(join(dataDir, 'spool.db')).mode & 0o777).toBe(0o600);
    expect(agent.stderr()).not.toContain('tok-e2e-secret');
    expect(
      agent
        .stderr()
        .trim()
        .split('\n')
        .every((line) => JSON.parse(line)),
    ).toBe(true);
  });

  it('keeps data through a collector outage and a restart, then delivers the backlog first, once', async () => {
    collector = await startScriptedCollector(() => ({ status: 503, headers: { 'retry-after': '0' } }));
    const dataDir = join(dir, 'data');
    const args = ['--interval', '200ms', '--collector', collector.url, '--data-dir', dataDir];
    const first = startAgent(args);
    await collector.waitForRequests(2, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const refused = collector.requests.length;
    const stream = collector.requests[0]?.headers[PerimeterHeaders.stream];

    collector.setScript(() => ({ status: 200 }));
    const second = startAgent(args);
    await collector.waitForRequests(refused + 6, 15_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const delivered = collector.requests.slice(refused);
    const seqs = delivered.map((r) => Number(r.headers[PerimeterHeaders.seq]));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(delivered.every((r) => r.headers[PerimeterHeaders.stream] === stream)).toBe(true);
    const stopIndex = delivered.findIndex((r) => bodyText(r.body).includes(LifecycleActions.stop));
    const restartIndex = delivered.findIndex(
      (r, i) => i > 0 && bodyText(r.body).includes(LifecycleActions.start),
    );
    expect(stopIndex).toBeGreaterThan(0);
    expect(restartIndex).toBeGreaterThan(stopIndex);
  });

  it('refuses to start a second agent on the same data dir, naming the spool file', async () => {
    collector = await startScriptedCollector();
    const dataDir = join(dir, 'data');
    const args = ['--interval', '200ms', '--collector', collector.url, '--data-dir', dataDir];
    const first = startAgent(args);
    await collector.waitForRequests(1, 15_000);
    const second = startAgent(args);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`${join(dataDir, 'spool.db')}: is locked by another process`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});
