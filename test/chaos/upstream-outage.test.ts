import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/agent-process.ts';
import { expectChainsHold, expectCompleteAndOrdered, LONG, metricValue, sleep } from '../helpers/chaos.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';
import { freePort } from '../helpers/processes.ts';
import {
  simulatedNode,
  startUpstream,
  type UpstreamProcess,
  type UpstreamRecord,
} from '../helpers/upstream-process.ts';

/**
 * Chaos (b): the forward sink's upstream process is killed (SIGKILL: no listener at all, every
 * attempt a refused connection) while nodes keep sending, stays down, then a new upstream process
 * comes up on the same port. Record by record: every batch each node had acknowledged reaches the
 * upstream, with its original data time, the first arrival of each seq in order per node, nothing
 * dropped or dead-lettered, the sink's queue and lag back to 0, and the store's chains intact.
 * CI: a 20 s outage. PERIMETER_LONG=1 adds the 10-minute outage.
 */
const NODE_IDS = ['edge-a', 'edge-b', 'edge-c', 'edge-d', 'edge-e'];

function defineScenario(outageMs: number, sendEveryMs: number) {
  describe(`upstream down ${outageMs / 1000} s, then up`, () => {
    const upstreams: UpstreamProcess[] = [];
    let collector: CollectorProcess | undefined;
    afterAll(async () => {
      await collector?.stop();
      for (const upstream of upstreams) await upstream.stop();
    });

    it(
      'forwards everything, in order per node, once the upstream is back',
      async () => {
        const port = await freePort();
        const first = await startUpstream({ port });
        upstreams.push(first);
        const dir = mkdtempSync(join(tmpdir(), 'perimeter-chaos-upstream-'));
        const configFile = join(dir, 'collector.yaml');
        writeFileSync(
          configFile,
          JSON.stringify({
            logLevel: 'warn',
            forward: [
              {
                type: 'otlp',
                name: 'upstream',
                endpoint: first.url,
                encoding: 'protobuf',
                timeout: '2s',
                maxBatchesPerRequest: 16,
                concurrency: 2,
                retry: { initialInterval: '200ms', maxInterval: '2s' },
              },
            ],
          }),
        );
        const c = await startCollectorProcess({ configFile, logLevel: 'warn' });
        collector = c;
        const nodes = NODE_IDS.map((id) => simulatedNode(c.url, id, c.createToken(id)));
        const sentTimes = new Map<string, Map<number, number>>(NODE_IDS.map((id) => [id, new Map()]));
        const refused: string[] = [];
        const t0 = Date.now();
        let round = 0;
        const sendRound = async () => {
          round += 1;
          const timeMs = t0 + round * 1000;
          await Promise.all(
            nodes.map(async (node, i) => {
              const status = await node.send(timeMs);
              if (status === 200) {
                sentTimes.get(NODE_IDS[i] as string)?.set(node.seq, timeMs);
              } else {
                refused.push(`${NODE_IDS[i]}#${node.seq}: ${status}`);
              }
            }),
          );
        };
        const sendFor = async (ms: number) => {
          const until = Date.now() + ms;
          while (Date.now() < until) {
            await sendRound();
            await sleep(sendEveryMs);
          }
        };

        await sendFor(3_000);
        await waitUntil(
          () => first.records().length >= nodes.length,
          'the first batches reached the upstream',
          10_000,
        );
        await first.stop();
        await sendFor(outageMs);
        const backlog = metricValue(await scrape(c.url), 'perimeter_forward_queue_batches{sink="upstream"}');
        expect(backlog, 'a backlog built up during the outage').toBeGreaterThan(0);
        const second = await startUpstream({ port });
        upstreams.push(second);
        await sendFor(3_000);

        expect(refused, 'the collector kept answering 2xx through the outage').toEqual([]);
        const total = nodes.length * round;
        const distinct = () =>
          new Set([...first.records(), ...second.records()].map((r) => `${r.node}/${r.seq}`)).size;
        await waitUntil(
          () => distinct() >= total,
          () => `all ${total} batches upstream (have ${distinct()})`,
          LONG ? 240_000 : 60_000,
        );

        const records: UpstreamRecord[] = [...first.records(), ...second.records()];
        for (const id of NODE_IDS) {
          const mine = records.filter((r) => r.node === id);
          expectCompleteAndOrdered(
            mine.map((r) => r.seq ?? -1),
            round,
            id,
          );
          // Each record carries the data time the node sent with that seq (nanoseconds, untouched).
          const times = sentTimes.get(id) as Map<number, number>;
          const wrongTime = mine.filter(
            (r) => r.firstTime !== `${BigInt(times.get(r.seq ?? -1) ?? 0) * 1_000_000n}`,
          );
          expect(wrongTime, `${id}: records whose data time differs from what was sent`).toEqual([]);
          expect(mine.every((r) => r.items === 5 && r.stream === `stream-${id}-0000`)).toBe(true);
        }

        const metrics = await scrape(c.url);
        expect(metricValue(metrics, 'perimeter_forward_dropped_total{sink="upstream"}')).toBe(0);
        expect(metricValue(metrics, 'perimeter_forward_dead_lettered_total{sink="upstream"}')).toBe(0);
        await waitUntil(
          async () =>
            metricValue(await scrape(c.url), 'perimeter_forward_queue_batches{sink="upstream"}') === 0,
          'the forward queue is empty',
          10_000,
        );
        expect(
          metricValue(
            await scrape(c.url),
            'perimeter_forward_retries_total{sink="upstream",reason="network"}',
          ),
        ).toBeGreaterThan(0);
        expect(await c.stop()).toBe(0);
        expectChainsHold(c.dataDir, NODE_IDS);
      },
      outageMs + 180_000 + (LONG ? 240_000 : 0),
    );
  });
}

defineScenario(20_000, 250);
describe.skipIf(!LONG)('long', () => defineScenario(600_000, 1_000));
