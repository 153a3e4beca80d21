import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';
import {
  simulatedNode,
  startUpstream,
  type UpstreamProcess,
  type UpstreamRecord,
} from '../helpers/upstream-process.ts';

/**
 * The forward stage on real processes: a collector forwarding to the upstream test server, under
 * ingest from simulated agents, through outages, refusals and a kill -9.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startForwardingCollector(upstream: UpstreamProcess, extra: Record<string, unknown> = {}) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-e2e-forward-'));
  const configFile = join(dataDir, '..', `${dataDir.split('/').pop()}.yaml`);
  const sink = {
    type: 'otlp',
    name: 'upstream',
    endpoint: upstream.url,
    encoding: 'protobuf',
    timeout: '1s',
    maxBatchesPerRequest: 8,
    concurrency: 2,
    retry: { initialInterval: '50ms', maxInterval: '300ms' },
    ...extra,
  };
  writeFileSync(configFile, JSON.stringify({ forward: [sink] }));
  // Kept for restart(); afterEach removes it.
  process.env.PERIMETER_CONFIG = configFile;
  return startCollectorProcess({ dataDir });
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(50);
  }
}

/** Per node: the seqs received, in arrival order. */
function seqsByNode(records: UpstreamRecord[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const record of records) {
    const list = out.get(record.node ?? '?') ?? [];
    list.push(record.seq ?? -1);
    out.set(record.node ?? '?', list);
  }
  return out;
}

/** Every seq 1..max present; order kept except for a re-sent (duplicate) seq. */
function expectCompleteAndOrdered(seqs: number[], max: number) {
  expect(new Set(seqs)).toEqual(new Set(Array.from({ length: max }, (_, i) => i + 1)));
  const firstArrival: number[] = [];
  const seen = new Set<number>();
  for (const seq of seqs) {
    if (!seen.has(seq)) {
      seen.add(seq);
      firstArrival.push(seq);
    }
  }
  expect(firstArrival).toEqual([...firstArrival].sort((a, b) => a - b));
}

describe('forward to an OTLP upstream (real processes on loopback)', () => {
  let upstream: UpstreamProcess | undefined;
  let collector: CollectorProcess | undefined;
  afterEach(async () => {
    await collector?.stop();
    await upstream?.stop();
    collector = undefined;
    upstream = undefined;
    delete process.env.PERIMETER_CONFIG;
  });

  it('delivers every batch of every node, in order per node, after a 503 outage with Retry-After under steady ingest', async () => {
    upstream = await startUpstream();
    collector = await startForwardingCollector(upstream);
    const c = collector;
    const nodes = ['n1', 'n2', 'n3'].map((id) => simulatedNode(c.url, id, c.createToken(id)));
    await upstream.setMode('503', { retryAfter: '1' });
    const t0 = Date.now();
    for (let round = 0; round < 15; round++) {
      const statuses = await Promise.all(nodes.map((node) => node.send(t0 + round * 1000)));
      expect(statuses).toEqual([200, 200, 200]);
      await sleep(40);
    }
    expect(upstream.records()).toEqual([]);
    await upstream.setMode('ok');
    for (let round = 15; round < 20; round++) {
      await Promise.all(nodes.map((node) => node.send(t0 + round * 1000)));
    }
    const u = upstream;
    await waitFor(() => u.records().length >= 60, 10_000, 'all 60 batches upstream');
    const byNode = seqsByNode(upstream.records());
    for (const node of ['n1', 'n2', 'n3']) {
      expectCompleteAndOrdered(byNode.get(node) ?? [], 20);
    }
    const record = upstream.records()[0] as UpstreamRecord;
    expect(record.stream).toMatch(/^stream-n\d-0000$/);
    // Original timestamps (nanoseconds, exactly as the agent sent them).
    expect(record.firstTime).toBe(`${BigInt(t0) * 1_000_000n}`);
    const metrics = await scrape(c.url);
    expect(metrics).toMatch(/perimeter_forward_retries_total\{sink="upstream",reason="503"\} [1-9]/);
    expect(metrics).toMatch(/perimeter_forward_sent_batches_total\{sink="upstream"\} 60/);
    expect(metrics).toContain('perimeter_forward_queue_batches{sink="upstream"} 0');
    expect(metrics).toContain('perimeter_forward_lag_seconds{sink="upstream"} 0');
  }, 45_000); // start-up of upstream and collector alone took 10–18 s at load 9–20 on 2 cores

  it('retries through 429, connection resets and a hanging upstream, and counts partial_success rejections', async () => {
    upstream = await startUpstream();
    collector = await startForwardingCollector(upstream, { encoding: 'json', compression: 'none' });
    const c = collector;
    const node = simulatedNode(c.url, 'n1', c.createToken('n1'));
    const t0 = Date.now();
    await upstream.setMode('429', { retryAfter: '0', count: 2 });
    await node.send(t0);
    const u = upstream;
    await waitFor(() => u.records().length === 1, 5_000, 'batch 1 after 429s');
    await upstream.setMode('reset', { count: 2 });
    await node.send(t0 + 1000);
    await waitFor(() => u.records().length === 2, 5_000, 'batch 2 after resets');
    await upstream.setMode('hang', { count: 1 });
    await node.send(t0 + 2000);
    await waitFor(() => u.records().length === 3, 8_000, 'batch 3 after a hang (1 s timeout)');
    await upstream.setMode('partial', { count: 1 });
    await node.send(t0 + 3000);
    await waitFor(() => u.records().length === 4, 5_000, 'batch 4 with partial success');
    expect(upstream.records().map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    const metrics = await scrape(c.url);
    expect(metrics).toMatch(/perimeter_forward_retries_total\{sink="upstream",reason="429"\} 2/);
    expect(metrics).toMatch(/perimeter_forward_retries_total\{sink="upstream",reason="network"\} [3-9]/);
    expect(metrics).toContain('perimeter_forward_partial_rejected_total{sink="upstream"} 2');
  }, 20_000);

  it('parks a batch refused with 400 in the dead-letter table, shows it in the CLI and the API, and sends it on retry', async () => {
    upstream = await startUpstream();
    collector = await startForwardingCollector(upstream, { maxBatchesPerRequest: 1 });
    const c = collector;
    const node = simulatedNode(c.url, 'n1', c.createToken('n1'));
    const t0 = Date.now();
    await upstream.setMode('400', { count: 1 });
    await node.send(t0);
    await node.send(t0 + 1000);
    const u = upstream;
    await waitFor(() => u.records().length === 1, 5_000, 'batch 2 past the dead letter');
    expect(upstream.records()[0]?.seq).toBe(2);

    const { execFileSync } = await import('node:child_process');
    const { COLLECTOR_CLI } = await import('../helpers/processes.ts');
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [COLLECTOR_CLI, 'forward', ...args, '--data-dir', c.dataDir], {
        encoding: 'utf8',
      });
    const letters = JSON.parse(cli('dead-letters', '--json')) as Array<{
      id: number;
      httpStatus: number;
      reason: string;
      nodeId: string;
    }>;
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ httpStatus: 400, nodeId: 'n1' });
    expect(letters[0]?.reason).toContain('bad data');
    expect(cli('dead-letters')).toContain('bad data');

    const reader = c.createToken('ops', 'reader');
    const admin = c.createToken('root', 'admin');
    const listed = await fetch(`${c.url}/api/v1/forward/dead-letters`, {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(((await listed.json()) as { deadLetters: unknown[] }).deadLetters).toHaveLength(1);
    const forbidden = await fetch(`${c.url}/api/v1/forward/dead-letters/${letters[0]?.id}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(forbidden.status).toBe(403);
    const retried = await fetch(`${c.url}/api/v1/forward/dead-letters/${letters[0]?.id}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(retried.status).toBe(200);
    await waitFor(() => u.records().length === 2, 5_000, 'the dead letter re-sent');
    expect(upstream.records()[1]?.seq).toBe(1);
    expect(JSON.parse(cli('dead-letters', '--json'))).toEqual([]);
    const metrics = await scrape(c.url);
    expect(metrics).toContain('perimeter_forward_dead_lettered_total{sink="upstream"} 1');
  }, 20_000);

  it('after kill -9 mid-forward under load, the upstream holds every committed batch once restarted', async () => {
    upstream = await startUpstream();
    collector = await startForwardingCollector(upstream, {
      retry: { initialInterval: '20ms', maxInterval: '100ms' },
    });
    const c = collector;
    const nodes = ['a', 'b', 'c', 'd'].map((id) => simulatedNode(c.url, id, c.createToken(id)));
    const t0 = Date.now();
    let round = 0;
    const committed = new Map<string, number>();
    // The upstream is slow to come back: the backlog is being forwarded when the collector dies.
    await upstream.setMode('503', { retryAfter: '0', count: 10 });
    for (; round < 30; round++) {
      await Promise.all(
        nodes.map(async (node, i) => {
          if ((await node.send(t0 + round * 1000)) === 200) {
            committed.set(['a', 'b', 'c', 'd'][i] as string, node.seq);
          }
        }),
      );
    }
    await c.kill9();
    await c.restart();
    for (; round < 35; round++) {
      await Promise.all(nodes.map((node) => node.send(t0 + round * 1000)));
    }
    const u = upstream;
    await waitFor(
      () => new Set(u.records().map((r) => `${r.node}/${r.seq}`)).size >= 4 * 35,
      12_000,
      'every batch upstream',
    );
    const byNode = seqsByNode(upstream.records());
    for (const node of ['a', 'b', 'c', 'd']) {
      expectCompleteAndOrdered(byNode.get(node) ?? [], 35);
    }
    expect(committed.get('a')).toBe(30);
  }, 20_000);
});
