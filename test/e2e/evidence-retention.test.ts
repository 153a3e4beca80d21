import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@perimeter/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { runCollectorCli } from '../helpers/replay-scenario.ts';

/**
 * Retention enforced by a real `serve`: a node's 400 days of history (a login every 5 days, a
 * metrics batch every 6 hours, interleaved in one chain) is written through the store API; serve
 * starts with the default policy (events 365 d, metric detail 30 d) and no forward sink, and its
 * retention job prunes. Old events and samples are gone, recent ones kept, summaries stand in for
 * pruned metric hours, and the chain still verifies (replay and evidence both say it holds).
 */
const DAY = 86_400_000;
const NOW = Date.now();
const START = NOW - 400 * DAY;
let collector: CollectorProcess;

describe('retention (real serve, default policy)', () => {
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-e2e-retention-'));
    const store = openStore({ dataDir, synchronous: 'NORMAL' });
    let seq = 0;
    for (let t = START; t < NOW - DAY; t += 6 * 3_600_000) {
      const base = {
        nodeId: 'node-r',
        streamId: 'r',
        contentType: 'application/json',
        contentEncoding: 'identity',
      };
      store.writeBatch({
        ...base,
        seq: ++seq,
        signal: 'metrics',
        receivedAtMs: t,
        payload: Buffer.from(`m${t}`),
        resources: [
          {
            attributes: {},
            points: [
              {
                metric: 'hw.temperature',
                unit: 'Cel',
                kind: 'gauge',
                attributes: [],
                timeMs: t,
                value: 40 + (seq % 7),
              },
            ],
            events: [],
          },
        ],
      });
      if ((t - START) % (5 * DAY) === 0) {
        store.writeBatch({
          ...base,
          seq: ++seq,
          signal: 'logs',
          receivedAtMs: t + 1000,
          payload: Buffer.from(`l${t}`),
          resources: [
            {
              attributes: {},
              points: [],
              events: [
                {
                  timeMs: t,
                  observedMs: null,
                  eventName: 'auth.login',
                  severity: 9,
                  body: 'login',
                  attributes: { 'auth.outcome': 'success', 'auth.method': 'ssh' },
                },
              ],
            },
          ],
        });
      }
    }
    await store.close();
    collector = await startCollectorProcess({ dataDir, logLevel: 'info' });
    // The job's first run is 5 s after start.
    for (let i = 0; i < 60 && collector.query('SELECT id FROM pruned_ranges').length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await collector.stop();
  }, 60_000);
  afterAll(async () => {
    await collector?.stop();
  });

  it('prunes events past 365 days and metric detail past 30 days, and keeps the rest', () => {
    const oldestEvent = collector.query<{ t: number }>('SELECT min(ts_ms) AS t FROM events')[0]?.t as number;
    expect(oldestEvent).toBeGreaterThanOrEqual(NOW - 365 * DAY - 60_000);
    expect(oldestEvent).toBeLessThanOrEqual(NOW - 360 * DAY);
    const oldestSample = collector.query<{ t: number }>('SELECT min(min_ts_ms) AS t FROM sample_blocks')[0]
      ?.t as number;
    expect(oldestSample).toBeGreaterThanOrEqual(NOW - 31 * DAY);
    expect(oldestSample).toBeLessThan(NOW - 29 * DAY);
    // Metric batches between 365 and 30 days ago are gone, but the logins among them are kept.
    expect(
      collector.query(
        `SELECT id FROM batches WHERE signal = 'metrics' AND received_at_ms < ?`,
        NOW - 31 * DAY,
      ),
    ).toEqual([]);
    expect(
      collector.query(
        `SELECT id FROM batches WHERE signal = 'logs' AND received_at_ms BETWEEN ? AND ?`,
        NOW - 300 * DAY,
        NOW - 31 * DAY,
      ).length,
    ).toBeGreaterThan(50);
  });

  it('keeps hourly summaries and activity for pruned metric hours', () => {
    const summaries = collector.query<{ n: number; lo: number }>(
      'SELECT count(*) AS n, min(hour_ms) AS lo FROM metric_summaries',
    );
    expect(summaries[0]?.n).toBeGreaterThan(1000);
    expect(summaries[0]?.lo).toBeLessThan(NOW - 395 * DAY);
    expect(collector.query('SELECT * FROM node_activity').length).toBe(summaries[0]?.n);
  });

  it('records pruned runs so the chain still verifies in replay and in evidence', () => {
    const ranges = collector.query<{ reason: string }>('SELECT reason FROM pruned_ranges');
    expect(ranges.length).toBeGreaterThan(1);
    expect(new Set(ranges.map((r) => r.reason))).toEqual(new Set(['retention']));
    const replay = runCollectorCli([
      'replay',
      '--node',
      'node-r',
      '--from',
      '-2d',
      '--to',
      'now',
      '--events-only',
      '--data-dir',
      collector.dataDir,
    ]);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toMatch(/chain holds over \d+ batches/);
    const out = join(mkdtempSync(join(tmpdir(), 'perimeter-e2e-retention-out-')), 'r');
    const evidence = runCollectorCli([
      'evidence',
      '--from',
      '-90d',
      '--to',
      'now',
      '--out',
      out,
      '--data-dir',
      collector.dataDir,
    ]);
    expect(evidence.status).toBe(0);
    expect(evidence.stdout).toContain('integrity holds');
  });
});
