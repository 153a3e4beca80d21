import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttributeNames,
  agentConfigSchema,
  EventNames,
  LifecycleActions,
  MetricNames,
  PerimeterHeaders,
} from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFsRoot } from '../host/fs-root.ts';
import type { SampleResult, Sampler } from '../samplers/types.ts';
import {
  findClosedPort,
  type ScriptedCollector,
  startScriptedCollector,
} from '../ship/scripted-collector.ts';
import { createTimerSleeper } from '../ship/sleep.ts';
import { openSpool } from '../spool/spool.ts';
import { createRecordingLogger } from '../test-support/context.ts';
import { createAgent } from './agent.ts';
import type { Agent, AgentDeps } from './agent-types.ts';

let dir: string;
let collector: ScriptedCollector | undefined;
let agent: Agent | undefined;
const { sleep } = createTimerSleeper();

const tempSampler = (results: SampleResult[] = []): Sampler => ({
  name: 'fake-thermal',
  collect: async () =>
    results.shift() ?? {
      status: 'ok',
      readings: [
        { metric: MetricNames.hwTemperature, value: 47.5, attributes: { [AttributeNames.hwId]: 'cpu0' } },
      ],
    },
});

function deps(overrides: { collector?: string; samplers?: Sampler[]; maxBytes?: number } = {}): AgentDeps {
  const config = agentConfigSchema.parse({
    collector: overrides.collector ?? 'http://127.0.0.1:9',
    token: 'node-secret',
    dataDir: join(dir, 'agent'),
    interval: 50,
    spool: { maxBytes: overrides.maxBytes ?? 10_000_000 },
    ship: { initialBackoff: 20, maxBackoff: 50, timeout: 1000, gzip: true },
  });
  return {
    config: { ...config, token: 'node-secret' },
    nodeId: 'node-a',
    host: { hostname: 'node-a', platform: 'linux', arch: 'x64', release: '6.8' },
    serviceVersion: '0.1.0',
    samplers: overrides.samplers ?? [tempSampler()],
    clock: { nowMs: () => Date.now() },
    sleep,
    random: () => 0.5,
    runCommand: async (argv) => ({ status: 'not-found', command: argv[0] ?? '' }),
    fs: createFsRoot(dir),
    log: createRecordingLogger(),
    drainGraceMs: 300,
  };
}
const text = (body: Uint8Array | undefined) => Buffer.from(body ?? []).toString('latin1');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-agent-'));
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await collector?.close();
  collector = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('createAgent', () => {
  it('tick() commits one metrics batch per round, without shipping or lifecycle events', async () => {
    agent = await createAgent(deps());
    const result = await agent.tick();
    // One reading from the sampler, plus the agent's own: its success and duration, and 6 spool/ship figures.
    expect(result).toMatchObject({
      points: 1 + 2 + 6,
      events: 0,
      outcomes: [{ name: 'fake-thermal', status: 'ok' }],
    });
    const batches = agent.spool.peekOldest(10);
    expect(batches.map((b) => [b.seq, b.signal])).toEqual([[result.seq, 'metrics']]);
    expect(text(batches[0]?.body)).toContain(MetricNames.hwTemperature);
    expect(text(batches[0]?.body)).toContain(agent.streamId);
  });

  it('spools only the agent’s own readings for a round without readings, and sampler events as logs', async () => {
    const event = {
      event: EventNames.thermalState,
      timeMs: 1_700_000_000_000,
      body: 'heavy',
      attributes: {},
    };
    agent = await createAgent(
      deps({ samplers: [tempSampler([{ status: 'ok', readings: [], events: [event] }])] }),
    );
    const result = await agent.tick();
    expect(result).toMatchObject({ points: 2 + 6, events: 1 });
    const [metrics, logs] = agent.spool.peekOldest(10);
    expect(metrics?.signal).toBe('metrics');
    expect(text(metrics?.body)).not.toContain(MetricNames.hwTemperature);
    expect(text(metrics?.body)).toContain(MetricNames.agentSpoolDropped);
    expect(logs?.signal).toBe('logs');
    expect(text(logs?.body)).toContain(EventNames.thermalState);
  });

  it('runs start → ticks → stop: start event first, stop event last, all delivered in seq order', async () => {
    collector = await startScriptedCollector();
    agent = await createAgent(deps({ collector: collector.url }));
    agent.start();
    await collector.waitForRequests(4);
    const summary = await agent.stop();
    const requests = collector.requests;
    const seqs = requests.map((r) => Number(r.headers[PerimeterHeaders.seq]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(requests[0]?.path).toBe('/v1/logs');
    expect(text(requests[0]?.body)).toContain(LifecycleActions.start);
    expect(requests.at(-1)?.path).toBe('/v1/logs');
    expect(text(requests.at(-1)?.body)).toContain(LifecycleActions.stop);
    expect(requests.slice(1, -1).every((r) => r.path === '/v1/metrics')).toBe(true);
    expect(summary.spool.batches).toBe(0);
    expect(summary.shipper.shippedBatches).toBe(requests.length);
    expect(summary.ticks).toBeGreaterThanOrEqual(2);
  });

  it('runs a full garbage collection after the round that ends each 5 minutes, when given gc', async () => {
    let collections = 0;
    let clockReads = 0;
    // Each clock read is a minute later: a handful of rounds spans several 5-minute periods.
    const clock = { nowMs: () => Date.now() + 60_000 * clockReads++ };
    agent = await createAgent({ ...deps(), clock, gc: () => collections++ });
    agent.start();
    for (let waited = 0; collections < 2 && waited < 5_000; waited += 20) await sleep(20);
    const summary = await agent.stop();
    expect(collections).toBeGreaterThanOrEqual(2);
    // Never more than one collection per round.
    expect(collections).toBeLessThanOrEqual(summary.ticks);
  });

  it('with the collector down, stop() waits only the grace period and keeps everything on disk', async () => {
    const port = await findClosedPort();
    agent = await createAgent(deps({ collector: `http://127.0.0.1:${port}` }));
    agent.start();
    await sleep(120);
    const started = Date.now();
    const summary = await agent.stop();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(summary.shipper.retries).toBeGreaterThan(0);
    const spool = openSpool({
      path: join(dir, 'agent', 'spool.db'),
      maxBytes: 10_000_000,
      clock: { nowMs: Date.now },
    });
    const batches = spool.peekOldest(100);
    spool.close();
    expect(batches.length).toBe(summary.spool.batches);
    expect(text(batches[0]?.body)).toContain(LifecycleActions.start);
    expect(text(batches.at(-1)?.body)).toContain(LifecycleActions.stop);
  });

  it('turns a spool overflow into an agent.lifecycle spool_overflow event in the spool', async () => {
    agent = await createAgent(deps({ maxBytes: 1500 }));
    for (let i = 0; i < 8; i += 1) await agent.tick();
    const stats = agent.spool.stats();
    expect(stats.droppedBatches).toBeGreaterThan(0);
    const overflowEvents = agent.spool
      .peekOldest(100)
      .filter((b) => b.signal === 'logs' && text(b.body).includes(LifecycleActions.spoolOverflow));
    expect(overflowEvents.length).toBeGreaterThan(0);
    expect(text(overflowEvents.at(-1)?.body)).toContain(AttributeNames.droppedBatches);
  });
});
