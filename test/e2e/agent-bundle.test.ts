import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BUNDLE, AGENT_NODE_FLAGS, buildAgent } from '../helpers/agent-build.ts';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { AGENT_CLI } from '../helpers/processes.ts';

/**
 * The agent as deployed (deploy/launchd, deploy/systemd): `node --no-opt
 * packages/agent/dist/perimeter-agent.js`, built by scripts/build-agent.ts. It must behave as the
 * sources do, and must not carry what made the sources cost 120 MiB resident: the type stripper
 * (amaro) and undici (which Node loads when node:http is imported as an ES module).
 */
const PRELOAD = join(import.meta.dirname, '..', 'helpers', 'module-list-preload.mjs');

interface OnceOutput {
  readings: Array<{ metric: string; attributes: Record<string, unknown> }>;
  samplers: Array<{ name: string; status: string }>;
}

function once(script: string, flags: readonly string[], dataDir: string): OnceOutput {
  const result = spawnSync(
    process.execPath,
    [
      ...flags,
      script,
      'once',
      '--json',
      '--config',
      join(dataDir, 'agent.yaml'),
      '--node-id',
      'bundle-check',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as OnceOutput;
}

/** What a round is made of, without the values that change from one round to the next. */
function shape(output: OnceOutput): { samplers: string[]; series: string[] } {
  return {
    samplers: output.samplers.map((s) => `${s.name}:${s.status}`),
    series: [
      ...new Set(output.readings.map((r) => `${r.metric}{${Object.keys(r.attributes).sort().join(',')}}`)),
    ].sort(),
  };
}

describe('the bundled agent (packages/agent/dist/perimeter-agent.js)', () => {
  let collector: CollectorProcess | undefined;
  const agents: AgentProcess[] = [];
  beforeAll(async () => {
    await buildAgent();
  }, 60_000);
  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await collector?.stop();
  });

  it('is plain JavaScript with every dependency inside but the native better-sqlite3', () => {
    const text = readFileSync(AGENT_BUNDLE, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).toMatch(/^import \w+ from "better-sqlite3";$/m);
    // Everything else is inlined: no bare imports but node: built-ins and the bundle's own chunks.
    const imports = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1] as string);
    expect(imports.filter((s) => !s.startsWith('node:') && !s.startsWith('./'))).toEqual(['better-sqlite3']);
    expect(text).not.toMatch(/^\s*(interface|type) \w+/m);
  });

  it('samples the same round as the sources on this host', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-bundle-once-'));
    writeFileSync(join(dataDir, 'agent.yaml'), `dataDir: ${dataDir}\n`);
    const fromSources = shape(once(AGENT_CLI, [], dataDir));
    const fromBundle = shape(once(AGENT_BUNDLE, AGENT_NODE_FLAGS, dataDir));
    expect(fromBundle).toEqual(fromSources);
    expect(fromBundle.series).toContain('system.memory.usage{system.memory.state}');
  });

  it('ships to a real collector without loading undici or the type stripper', async () => {
    collector = await startCollectorProcess();
    const running = collector;
    const dir = mkdtempSync(join(tmpdir(), 'perimeter-bundle-modules-'));
    const start = (nodeId: string, bundle: boolean) => {
      const agent = startAgentProcess({
        collectorUrl: running.url,
        token: running.createToken(nodeId),
        nodeId,
        interval: '1s',
        bundle,
        nodeFlags: ['--import', PRELOAD],
        env: { PERIMETER_MODULE_LIST: join(dir, `${nodeId}.txt`) },
      });
      agents.push(agent);
      return agent;
    };
    const bundled = start('bundled', true);
    const sources = start('sources', false);
    const stored = (node: string) =>
      running.query<{ n: number }>(
        `SELECT count(*) AS n FROM batches WHERE node_id = '${node}' AND signal = 'metrics'`,
      )[0]?.n ?? 0;
    await waitUntil(
      () => stored('bundled') >= 2 && stored('sources') >= 2,
      () => `two rounds from each agent arrived\n${bundled.output()}\n${sources.output()}`,
      30_000,
    );
    expect(await bundled.stop()).toBe(0);
    expect(await sources.stop()).toBe(0);
    const loaded = (node: string) => readFileSync(join(dir, `${node}.txt`), 'utf8').split('\n');
    // The preload's list is real: both loaded the HTTP client they shipped with.
    expect(loaded('bundled')).toContain('NativeModule _http_client');
    expect(loaded('sources')).toContain('NativeModule _http_client');
    expect(loaded('bundled').filter((m) => /undici|amaro/.test(m))).toEqual([]);
    // The sources need the type stripper, but never undici either.
    expect(loaded('sources').filter((m) => /undici/.test(m))).toEqual([]);
    expect(loaded('sources').some((m) => /amaro/.test(m))).toBe(true);
  }, 60_000);
});
