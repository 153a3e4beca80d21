import { afterAll, describe, expect, it } from 'vitest';
import { FLEET_EVENT_SEQ_ATTR, FLEET_METRIC } from '../helpers/agent-fleet.ts';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import {
  createNodeTokens,
  expectChainsHold,
  LONG,
  range,
  readStore,
  sleep,
  startFleet,
} from '../helpers/chaos.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { runCollectorCli } from '../helpers/replay-scenario.ts';

/**
 * Chaos (a): the collector is killed with SIGKILL every 10 s while 50 simulated agents (the real
 * spool + shipper, in one fleet process: agent-fleet.ts) and one real `perimeter-agent run` ship
 * to it. Afterwards, record by record: every batch a sender saw a 2xx for is stored, exactly once
 * ((stream, seq) unique, seqs 1..n with no gap), every metric point and event of those batches is
 * there once with its value, and every node's hash chain verifies with the replay verifier.
 * CI: 40 s of kills (4 kills). PERIMETER_LONG=1 adds the 2-minute run (12 kills).
 */
const NODES = 50;
const POINTS = 4;
const LOGS_EVERY = 5;
const KILL_EVERY_MS = 10_000;

function defineScenario(durationMs: number) {
  describe(`collector kill -9 every ${KILL_EVERY_MS / 1000} s for ${durationMs / 1000} s under ${NODES} simulated agents`, () => {
    let collector: CollectorProcess | undefined;
    let agent: AgentProcess | undefined;
    afterAll(async () => {
      await agent?.stop();
      await collector?.stop();
    });

    it(
      'loses no acknowledged batch, point or event, stores none twice, and every chain verifies',
      async () => {
        const c = await startCollectorProcess({ logLevel: 'warn' });
        collector = c;
        const nodeIds = range(1, NODES).map((i) => `fleet-${String(i).padStart(2, '0')}`);
        const tokens = createNodeTokens(c.dataDir, [...nodeIds, 'real-agent']);
        const t0Ms = Date.now();
        const fleet = startFleet({
          collectorUrl: c.url,
          nodes: nodeIds.map((nodeId) => ({ nodeId, token: tokens.get(nodeId) as string })),
          t0Ms,
          intervalMs: 1_000,
          durationMs,
          drainTimeoutMs: 90_000,
          points: POINTS,
          logsEvery: LOGS_EVERY,
        });
        agent = startAgentProcess({
          collectorUrl: c.url,
          token: tokens.get('real-agent') as string,
          nodeId: 'real-agent',
          interval: '1s',
          config: 'ship:\n  initialBackoff: 100ms\n  maxBackoff: 1s\n',
        });

        // The kill loop: SIGKILL, restart on the same port and store at once, every 10 s.
        // (at fixed times from the start, so a slow restart does not make the run kill less often).
        const started = Date.now();
        const kills = Math.floor(durationMs / KILL_EVERY_MS);
        for (let kill = 1; kill <= kills; kill++) {
          await sleep(Math.max(0, started + kill * KILL_EVERY_MS - Date.now()));
          await c.kill9();
          await c.restart();
        }

        const { code, nodes, stderr } = await fleet.result;
        expect(stderr).toBe('');
        expect(code).toBe(0);
        expect(nodes).toHaveLength(NODES);
        // The real agent: stopped cleanly after its backlog went out, spool empty.
        const realAgent = agent;
        const lastFromAgent = () =>
          readStore(
            c.dataDir,
            (db) =>
              (
                db
                  .prepare("SELECT max(received_at_ms) AS at FROM batches WHERE node_id = 'real-agent'")
                  .get() as { at: number | null }
              ).at ?? 0,
          );
        await waitUntil(
          () => lastFromAgent() > Date.now() - 3_000,
          'the real agent delivers fresh batches after the last restart',
          30_000,
        );
        expect(await realAgent.stop()).toBe(0);
        await waitUntil(() => realAgent.child.exitCode !== null, 'the real agent exited', 10_000);
        expect(realAgent.spoolQuery('SELECT seq FROM batches')).toEqual([]);
        expect(realAgent.spoolQuery('SELECT seq FROM dead_letter')).toEqual([]);
        // Its stop event is the last batch; give the collector a moment to have it, then stop it.
        await sleep(1_000);
        expect(await c.stop()).toBe(0);

        const retries = nodes.reduce((sum, node) => sum + node.retries, 0);
        expect(retries, 'the kills made the senders retry').toBeGreaterThan(0);

        readStore(c.dataDir, (db) => {
          const batchesOf = db.prepare<[string], { stream_id: string; seq: number; signal: string }>(
            'SELECT stream_id, seq, signal FROM batches WHERE node_id = ? ORDER BY seq',
          );
          const eventSeqsOf = db.prepare<[string], { seq: number }>(
            `SELECT json_extract(attributes_json, '$."${FLEET_EVENT_SEQ_ATTR}"') AS seq FROM events
           WHERE node_id = ? AND event_name = 'auth.login' ORDER BY id`,
          );
          const gaps = db.prepare('SELECT node_id, from_seq, to_seq FROM gaps').all();
          expect(gaps, 'no sequence gap recorded for any stream').toEqual([]);

          for (const node of nodes) {
            // Every appended batch was acknowledged (drained), each seq once.
            expect(node.left).toBe(0);
            expect(node.deadLetters).toBe(0);
            expect(node.droppedBatches).toBe(0);
            expect(node.acked.length).toBe(new Set(node.acked).size);
            expect([...node.acked].sort((a, b) => a - b)).toEqual(node.appended);
            // Stored: exactly the acknowledged seqs, one row each, on the node's one stream.
            const stored = batchesOf.all(node.nodeId);
            expect(new Set(stored.map((row) => row.stream_id))).toEqual(new Set([node.streamId]));
            expect(stored.map((row) => row.seq)).toEqual(node.appended);
            expect(stored.filter((row) => row.signal === 'logs').map((row) => row.seq)).toEqual(
              node.logsSeqs,
            );
            // Every event once, carrying the seq of the batch it came in.
            expect(
              eventSeqsOf
                .all(node.nodeId)
                .map((row) => Number(row.seq))
                .sort((a, b) => a - b),
            ).toEqual(node.logsSeqs);
          }
          const streams = db
            .prepare(
              "SELECT count(*) AS batches, min(seq) AS first, max(seq) AS last, count(DISTINCT seq) AS distinct_seqs FROM batches WHERE node_id = 'real-agent'",
            )
            .get() as { batches: number; first: number; last: number; distinct_seqs: number };
          expect(streams).toMatchObject({ first: 1, batches: streams.last, distinct_seqs: streams.last });
        });

        // Every point of every acknowledged metrics batch, once, with its value (series × seq).
        const samples = c.samples();
        const identities = samples.map((sample) => `${sample.seriesId}@${sample.tsMs}`);
        expect(new Set(identities).size, 'no duplicate sample stored').toBe(identities.length);
        const fleetSamples = new Map<string, string[]>();
        for (const sample of samples) {
          if (sample.metric !== FLEET_METRIC) continue;
          const list = fleetSamples.get(sample.nodeId) ?? [];
          list.push(`${(sample.tsMs - t0Ms) / 1000}=${sample.value}`);
          fleetSamples.set(sample.nodeId, list);
        }
        for (const node of nodes) {
          const expected = node.metricsSeqs.flatMap((seq) =>
            Array.from({ length: POINTS }, () => `${seq}=${seq}`),
          );
          expect((fleetSamples.get(node.nodeId) ?? []).sort(), `${node.nodeId} samples`).toEqual(
            expected.sort(),
          );
        }

        expectChainsHold(c.dataDir, [...nodeIds, 'real-agent']);
        // And the operator's view of one node: the replay CLI's verdict (exit 0 = chain holds).
        const replay = runCollectorCli([
          'replay',
          '--node',
          'fleet-01',
          '--from',
          new Date(t0Ms - 3_600_000).toISOString(),
          '--to',
          new Date(Date.now() + 3_600_000).toISOString(),
          '--format',
          'jsonl',
          '--data-dir',
          c.dataDir,
        ]);
        expect(replay.stderr).toBe('');
        expect(replay.status).toBe(0);
      },
      durationMs + 240_000,
    );
  });
}

defineScenario(40_000);
describe.skipIf(!LONG)('long', () => defineScenario(120_000));
