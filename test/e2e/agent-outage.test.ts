import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';

/**
 * The spine, end to end on real processes: an agent samples this machine every 200 ms and ships
 * to a collector; the collector is killed with SIGKILL mid-run and restarted on the same port and
 * store. Every batch the agent produced — before, during and after the outage — must be stored
 * exactly once: no sequence gaps, no duplicate batches, no duplicate samples, empty spool.
 */
const INTERVAL_MS = 200;

describe('agent → collector across a collector crash', () => {
  let collector: CollectorProcess;
  let agent: AgentProcess;
  const nodeId = 'e2e-node';
  const batchCount = () =>
    collector.query<{ n: number }>("SELECT count(*) AS n FROM batches WHERE signal = 'metrics'")[0]?.n ?? 0;

  beforeAll(async () => {
    collector = await startCollectorProcess();
    agent = startAgentProcess({
      collectorUrl: collector.url,
      token: collector.createToken(nodeId),
      nodeId,
      interval: `${INTERVAL_MS}ms`,
      config: 'ship:\n  initialBackoff: 100ms\n  maxBackoff: 500ms\n',
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
  });

  it('delivers every sample produced during the outage exactly once', async () => {
    await waitUntil(() => batchCount() >= 3, 'the collector stored 3 metric batches');
    const cpuBefore = (await scrape(collector.url)).match(
      /^system_cpu_utilization_ratio\{node="e2e-node"[^}]*\} [\d.e-]+$/m,
    );
    expect(cpuBefore).not.toBeNull();

    await collector.kill9();
    const outageStartedMs = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await collector.restart();
    const outageEndedMs = Date.now();

    // Batches ship in order, so a stored sample from after the restart means the backlog has drained.
    await waitUntil(
      () => collector.samples().some((sample) => sample.tsMs > outageEndedMs + 500),
      'the backlog drained and fresh samples arrive',
    );
    // The agent reports on itself with its readings: samplers working, nothing dropped, retries counted.
    const selfMetrics = await scrape(collector.url);
    expect(selfMetrics).toMatch(
      /^perimeter_agent_sampler_success\{node="e2e-node",perimeter_sampler="system"\} 1$/m,
    );
    expect(selfMetrics).toMatch(/^perimeter_agent_spool_dropped_total\{node="e2e-node"\} 0$/m);
    expect(
      Number(/^perimeter_agent_ship_retries_total\{node="e2e-node"\} (\d+)$/m.exec(selfMetrics)?.[1]),
    ).toBeGreaterThan(0);
    // The agent holds its spool exclusively while it runs; it is read below, after a clean stop.
    expect(await agent.stop()).toBe(0);
    await waitUntil(
      () =>
        collector.query<{ n: number }>(
          "SELECT count(*) AS n FROM events WHERE body LIKE '%stop%' OR attributes_json LIKE '%\"stop\"%'",
        )[0]!.n > 0,
      'the agent.lifecycle stop event is stored',
    );

    expect(agent.spoolQuery('SELECT * FROM batches')).toEqual([]);
    expect(agent.spoolQuery('SELECT * FROM dead_letter')).toEqual([]);

    const stream = collector.query<{ stream_id: string; batches: number; min_seq: number; max_seq: number }>(
      "SELECT stream_id, count(*) AS batches, min(seq) AS min_seq, max(seq) AS max_seq FROM batches WHERE node_id = 'e2e-node' GROUP BY stream_id",
    );
    expect(stream).toHaveLength(1);
    expect(stream[0]).toMatchObject({ min_seq: 1, batches: stream[0]?.max_seq });
    expect(collector.query('SELECT * FROM gaps')).toEqual([]);
    const samples = collector.samples();
    const identities = samples.map((sample) => `${sample.seriesId}@${sample.tsMs}`);
    expect(new Set(identities).size).toBe(identities.length);

    // The CPU series has a reading for every interval across the outage: nothing was lost while the collector was down.
    const cpuTimes = samples
      .filter((sample) => sample.metric === 'system.cpu.utilization' && sample.nodeId === 'e2e-node')
      .map((sample) => sample.tsMs)
      .sort((a, b) => a - b);
    const during = cpuTimes.filter((ts) => ts >= outageStartedMs && ts <= outageEndedMs);
    expect(during.length).toBeGreaterThanOrEqual(
      Math.floor((outageEndedMs - outageStartedMs) / INTERVAL_MS) - 2,
    );
    const largestHoleMs = Math.max(...cpuTimes.slice(1).map((ts, i) => ts - (cpuTimes[i] as number)));
    expect(largestHoleMs).toBeLessThan(INTERVAL_MS * 4);
  });
});
