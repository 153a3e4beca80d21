import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import {
  expectChainsHold,
  expectCompleteAndOrdered,
  metricValue,
  range,
  readStore,
  sleep,
  waitForAlert,
} from '../helpers/chaos.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';
import { freePort } from '../helpers/processes.ts';
import { runCollectorCli } from '../helpers/replay-scenario.ts';
import { simulatedNode, startUpstream, type UpstreamProcess } from '../helpers/upstream-process.ts';

/**
 * Chaos (c): the disk quota is reached, on the agent and on the collector. In both, the oldest
 * data goes first, every drop is counted (a metric and rows in the store), the default alert pack
 * fires (SpoolOverflow, ForwardDropping), the process stays up and keeps answering, and what was
 * kept is checked record by record against what was dropped. About 35 s each; no long variant.
 */
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('disk quota reached', () => {
  let collector: CollectorProcess | undefined;
  let agent: AgentProcess | undefined;
  let upstream: UpstreamProcess | undefined;
  afterEach(async () => {
    await agent?.stop();
    await collector?.stop();
    await upstream?.stop();
    agent = undefined;
    collector = undefined;
    upstream = undefined;
  });

  it('agent spool: drops the oldest batches, counts and reports them, stays alive, delivers the rest', async () => {
    // The collector's store and token exist before it serves: the agent starts against a dead port.
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-chaos-quota-agent-'));
    const token = runCollectorCli(['tokens', 'create', '--node', 'tight-node', '--data-dir', dataDir]);
    expect(token.status).toBe(0);
    const a = startAgentProcess({
      collectorUrl: `http://127.0.0.1:${port}`,
      token: token.stdout.trim(),
      nodeId: 'tight-node',
      interval: '200ms',
      config: 'spool:\n  maxBytes: 48KiB\nship:\n  initialBackoff: 100ms\n  maxBackoff: 500ms\n',
    });
    agent = a;
    await waitUntil(
      () => count(a.output(), 'dropped the oldest data') >= 5,
      () => `the agent reported 5 spool overflows; it said:\n${a.output().slice(-2000)}`,
      60_000,
    );
    expect(a.child.exitCode, 'the agent is alive with a full spool').toBeNull();

    const c = await startCollectorProcess({
      dataDir,
      port,
      logLevel: 'warn',
      config: JSON.stringify({ alerting: { evaluationInterval: '1s' } }),
    });
    collector = c;
    const reader = c.createToken('ops', 'reader');
    await waitForAlert(
      c.url,
      reader,
      { name: 'SpoolOverflow', state: 'firing', labels: { node: 'tight-node' } },
      45_000,
    );
    expect(a.child.exitCode).toBeNull();
    const scraped = await scrape(c.url);
    expect(await a.stop(), 'a clean stop after the overflow').toBe(0);
    await sleep(1_000);

    // The spool: empty now, and its persisted drop counter is the truth to reconcile against.
    const dropped = Number(
      a.spoolQuery<{ value: string }>("SELECT value FROM meta WHERE key = 'dropped_batches'")[0]?.value,
    );
    expect(dropped).toBeGreaterThanOrEqual(5);
    expect(a.spoolQuery('SELECT seq FROM batches')).toEqual([]);
    // The node's own counter reached the collector with that value (no drops after recovery).
    expect(metricValue(scraped, 'perimeter_agent_spool_dropped_total{node="tight-node"}')).toBe(dropped);
    expect(await c.stop()).toBe(0);

    readStore(c.dataDir, (db) => {
      const seqs = (
        db.prepare("SELECT seq FROM batches WHERE node_id = 'tight-node' ORDER BY seq").all() as Array<{
          seq: number;
        }>
      ).map((row) => row.seq);
      const gaps = db
        .prepare("SELECT from_seq, to_seq FROM gaps WHERE node_id = 'tight-node' ORDER BY from_seq")
        .all() as Array<{ from_seq: number; to_seq: number }>;
      // The oldest went, counted exactly: every seq from 1 to the last is either stored once or
      // inside a recorded gap, and the gaps hold exactly as many seqs as the spool says it dropped.
      // The batch on the wire is never the one evicted, so the retried oldest may survive (then
      // the gap starts at 2).
      expect(gaps.length).toBeGreaterThanOrEqual(1);
      expect(gaps[0]?.from_seq).toBeLessThanOrEqual(2);
      const lost = gaps.flatMap((gap) => range(gap.from_seq, gap.to_seq));
      expect(lost.length).toBe(dropped);
      const last = seqs[seqs.length - 1] as number;
      expect([...seqs, ...lost].sort((x, y) => x - y)).toEqual(range(1, last));
      const overflowEvents = db
        .prepare(
          `SELECT attributes_json FROM events WHERE node_id = 'tight-node'
           AND json_extract(attributes_json, '$."agent.lifecycle.action"') = 'spool_overflow'`,
        )
        .all();
      expect(overflowEvents.length, 'spool_overflow events reached the collector').toBeGreaterThan(0);
    });
    expectChainsHold(c.dataDir, ['tight-node']);
  }, 150_000);

  it('collector store: drops the oldest unforwarded batches at the hard quota, counts and alerts, keeps answering 2xx', async () => {
    const upstreamPort = await freePort();
    const config = (maxBytes?: number) =>
      JSON.stringify({
        logLevel: 'warn',
        forward: [
          {
            type: 'otlp',
            name: 'upstream',
            endpoint: `http://127.0.0.1:${upstreamPort}`,
            timeout: '1s',
            retry: { initialInterval: '200ms', maxInterval: '1s' },
          },
        ],
        storage: {
          ...(maxBytes === undefined ? {} : { maxBytes }),
          minFreeBytes: 1,
          checkInterval: '1s',
        },
        alerting: { evaluationInterval: '1s' },
      });
    // First start: measure the empty store, then allow it 600 KiB more.
    const c = await startCollectorProcess({ logLevel: 'warn', config: config() });
    collector = c;
    const emptyBytes = metricValue(await scrape(c.url), 'perimeter_store_bytes') as number;
    expect(emptyBytes).toBeGreaterThan(0);
    await c.stop();
    writeFileSync(join(c.dataDir, 'collector.e2e.yaml'), config(emptyBytes + 600 * 1024));
    await c.restart();

    const nodeIds = ['big-1', 'big-2', 'big-3'];
    const nodes = nodeIds.map((id) => simulatedNode(c.url, id, c.createToken(id)));
    const reader = c.createToken('ops', 'reader');
    const statuses = new Map<number, number>();
    const quotaGauge = new Set<number | undefined>();
    const t0 = Date.now();
    let round = 0;
    for (const until = Date.now() + 12_000; Date.now() < until; ) {
      round += 1;
      for (const status of await Promise.all(nodes.map((node) => node.send(t0 + round * 1000, 200)))) {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      quotaGauge.add(metricValue(await scrape(c.url), 'perimeter_store_quota_exceeded'));
      await sleep(150);
    }
    expect([...statuses.keys()], 'every send answered 200 at and past the quota').toEqual([200]);
    expect(quotaGauge.has(1), 'perimeter_store_quota_exceeded went to 1').toBe(true);
    await waitForAlert(
      c.url,
      reader,
      { name: 'ForwardDropping', state: 'firing', labels: { sink: 'upstream' } },
      30_000,
    );
    expect(await fetch(`${c.url}/readyz`).then((r) => r.status)).toBe(200);
    expect(await nodes[0]?.send(t0 + (round + 1) * 1000, 5)).toBe(200);

    // Counted: once the quota checks settle, the metric equals the forward_drops rows in the store.
    const droppedNow = async () => ({
      metric: metricValue(await scrape(c.url), 'perimeter_forward_dropped_total{sink="upstream"}') ?? 0,
      rows: readStore(
        c.dataDir,
        (db) => (db.prepare('SELECT sum(batches) AS n FROM forward_drops').get() as { n: number | null }).n,
      ),
    });
    const settledDrops = async () => {
      let dropped = await droppedNow();
      await waitUntil(
        async () => {
          await sleep(1_500);
          const again = await droppedNow();
          const settled = again.metric === dropped.metric && again.rows === again.metric;
          dropped = again;
          return settled;
        },
        () =>
          `perimeter_forward_dropped_total settles at the forward_drops total (${JSON.stringify(dropped)})`,
        30_000,
      );
      return dropped.metric;
    };
    expect(await settledDrops()).toBeGreaterThan(0);

    // The upstream comes up: everything that was not dropped is forwarded.
    upstream = await startUpstream({ port: upstreamPort });
    const u = upstream;
    const storedCount = readStore(
      c.dataDir,
      (db) => (db.prepare('SELECT count(*) AS n FROM batches').get() as { n: number }).n,
    );
    await waitUntil(
      () => u.records().length >= storedCount,
      () => `${storedCount} stored batches forwarded (have ${u.records().length})`,
      30_000,
    );
    // The store sits just under its quota, so a write after this (the alert resolving) may prune
    // the oldest batch again; once forwarded, that is a prune, not a drop. Count after it settles.
    const droppedMetric = await settledDrops();
    expect(await c.stop()).toBe(0);

    // Record by record: per node, forwarded ∪ dropped-at-quota = every seq it sent, disjoint.
    const pruned = readStore(
      c.dataDir,
      (db) =>
        db
          .prepare("SELECT node_id, min_seq, max_seq, batch_count FROM pruned_ranges WHERE reason = 'quota'")
          .all() as Array<{ node_id: string; min_seq: number; max_seq: number; batch_count: number }>,
    );
    const prunedAtQuota = pruned.reduce((sum, row) => sum + row.batch_count, 0);
    let forwardedThenPruned = 0;
    let firstRoundBoth = 0;
    for (const [i, id] of nodeIds.entries()) {
      const sent = nodes[i]?.seq as number;
      const forwarded = u
        .records()
        .filter((r) => r.node === id)
        .map((r) => r.seq as number);
      const droppedSeqs = pruned
        .filter((row) => row.node_id === id)
        .flatMap((row) => range(row.min_seq, row.max_seq));
      // KNOWN PRODUCT QUIRK (reported): the forwarder's round that was in flight when the upstream
      // went away keeps its batches in memory and retries them; if the quota drops those batches
      // meanwhile, they are counted as dropped AND delivered when the upstream returns. Loss is
      // over-counted, never hidden: allow it only for that first round (seq 1 or 2 of a node).
      const both = droppedSeqs.filter((seq) => forwarded.includes(seq));
      forwardedThenPruned += both.filter((seq) => seq > 2).length;
      firstRoundBoth += both.filter((seq) => seq <= 2).length;
      // The dropped ones are the oldest: a prefix of the node's seqs.
      expect(droppedSeqs.sort((a, b) => a - b)).toEqual(range(1, droppedSeqs.length));
      expectCompleteAndOrdered([...droppedSeqs, ...forwarded], sent, id);
    }
    // Every batch pruned at the quota is a counted drop, or one the upstream already had (pruned
    // once forwarded: not a drop). Past the first round, a batch both counted as dropped and
    // delivered would leave the difference short of the forwarded-then-pruned ones.
    expect(prunedAtQuota - droppedMetric).toBeGreaterThanOrEqual(forwardedThenPruned);
    expect(prunedAtQuota - droppedMetric).toBeLessThanOrEqual(forwardedThenPruned + firstRoundBoth);
    expectChainsHold(c.dataDir, nodeIds);
  }, 150_000);
});
