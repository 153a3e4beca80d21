import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import {
  activeAlerts,
  expectChainsHold,
  metricValue,
  range,
  readStore,
  sleep,
  waitForAlert,
} from '../helpers/chaos.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';

/**
 * Chaos (d): a real agent's wall clock jumps +1 hour, then −1 hour, then back, while it runs.
 * The jump is injected from outside with libfaketime (Debian package `faketime`): LD_PRELOAD plus
 * FAKETIME_TIMESTAMP_FILE, re-read on every call (FAKETIME_NO_CACHE), so the test moves the
 * agent's clock by rewriting one file. Monotonic time is left alone (FAKETIME_DONT_FAKE_MONOTONIC),
 * as in a real NTP step. The collector runs the ClockSkew rule with a short window: +1 h fires it
 * (perimeter_ingest_clock_skew_seconds ≈ 3600, seen in GET /api/v1/alerts); −1 h does not page
 * (behind looks like a draining spool, see deploy/rules) and the alert resolves. No batch is lost:
 * seqs 1..n stored once with no gap, chain intact. Samples stamped an hour behind are kept (inside
 * the retention horizon: a draining spool looks the same); samples stamped an hour ahead are
 * refused by ingest admission (ingest.maxAhead, 10 min) and counted as timestamp_ahead, never
 * kept as sample rows that would pin /metrics — their batches stay in the chain as received.
 * About 35 s. Skipped, saying so, where libfaketime is not installed.
 */
function findLibfaketime(): string | undefined {
  const roots = ['/usr/lib', '/usr/local/lib', '/usr/lib64'];
  for (const root of roots) {
    const candidates = [join(root, 'faketime')];
    try {
      for (const entry of readdirSync(root)) candidates.push(join(root, entry, 'faketime'));
    } catch {
      // no such root
    }
    for (const dir of candidates) {
      const lib = join(dir, 'libfaketime.so.1');
      if (existsSync(lib)) return lib;
    }
  }
  return undefined;
}

const LIBFAKETIME = findLibfaketime();
const HOUR_S = 3600;
const RULES = `group: chaos
rules:
  - name: ClockSkew
    selector: { metric: perimeter_ingest_clock_skew_seconds }
    function: min
    window: 5s
    op: ">"
    threshold: 30
    for: 2s
    labels: { severity: warning }
    annotations:
      summary: "Clock on {{ $labels.node }} is ahead of the collector"
`;

if (!LIBFAKETIME) {
  console.warn('chaos clock-jump: libfaketime not found (apt-get install faketime); scenario skipped');
}

describe.skipIf(!LIBFAKETIME)('agent clock jumps ±1 hour (libfaketime)', () => {
  let collector: CollectorProcess | undefined;
  let agent: AgentProcess | undefined;
  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
  });

  it('fires ClockSkew when the node runs an hour ahead, and loses nothing either way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perimeter-chaos-clock-'));
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES);
    const offsetFile = join(dir, 'faketime.rc');
    const setOffset = (offset: string) => writeFileSync(offsetFile, `${offset}\n`);
    setOffset('+0');
    const c = await startCollectorProcess({
      logLevel: 'warn',
      config: JSON.stringify({ alerting: { rules: [rulesFile], evaluationInterval: '1s' } }),
    });
    collector = c;
    const reader = c.createToken('ops', 'reader');
    const a = startAgentProcess({
      collectorUrl: c.url,
      token: c.createToken('skewed-node'),
      nodeId: 'skewed-node',
      interval: '500ms',
      config: 'ship:\n  initialBackoff: 100ms\n  maxBackoff: 1s\n',
      env: {
        LD_PRELOAD: LIBFAKETIME,
        FAKETIME_TIMESTAMP_FILE: offsetFile,
        FAKETIME_NO_CACHE: '1',
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
      },
    });
    agent = a;
    const skew = async () =>
      metricValue(await scrape(c.url), 'perimeter_ingest_clock_skew_seconds{node="skewed-node"}');
    const clockSkewState = async () =>
      (await activeAlerts(c.url, reader)).find(
        (alert) => alert.name === 'ClockSkew' && alert.labels['node'] === 'skewed-node',
      )?.state;
    const t0 = Date.now();

    await waitUntil(async () => (await skew()) !== undefined, 'a first metrics batch', 20_000);
    await sleep(2_000);
    expect(Math.abs((await skew()) as number)).toBeLessThan(30);
    expect(await clockSkewState()).toBeUndefined();

    setOffset('+1h');
    await waitUntil(
      async () => ((await skew()) ?? 0) > HOUR_S - 60,
      'the skew gauge shows the node an hour ahead',
      20_000,
    );
    expect((await skew()) as number).toBeLessThan(HOUR_S + 60);
    await waitForAlert(
      c.url,
      reader,
      { name: 'ClockSkew', state: 'firing', labels: { node: 'skewed-node' } },
      30_000,
    );

    setOffset('-1h');
    await waitUntil(
      async () => ((await skew()) ?? 0) < -(HOUR_S - 60),
      'the skew gauge shows the node an hour behind',
      20_000,
    );
    await waitUntil(
      async () => (await clockSkewState()) === 'resolved',
      'ClockSkew resolves while the node is behind (behind is not paged)',
      30_000,
    );

    setOffset('+0');
    await waitUntil(async () => Math.abs((await skew()) ?? HOUR_S) < 30, 'the clock back to normal', 20_000);
    await sleep(2_000);
    expect(a.child.exitCode).toBeNull();
    expect(await a.stop()).toBe(0);
    expect(a.spoolQuery('SELECT seq FROM batches')).toEqual([]);
    expect(a.spoolQuery('SELECT seq FROM dead_letter')).toEqual([]);
    await sleep(1_000);
    const scrapeBeforeStop = scrape(c.url);
    await scrapeBeforeStop;
    expect(await c.stop()).toBe(0);

    readStore(c.dataDir, (db) => {
      const seqs = (
        db.prepare("SELECT seq FROM batches WHERE node_id = 'skewed-node' ORDER BY seq").all() as Array<{
          seq: number;
        }>
      ).map((row) => row.seq);
      expect(seqs).toEqual(range(1, seqs.length));
      expect(db.prepare('SELECT * FROM gaps').all()).toEqual([]);
    });
    const aheadRejects = metricValue(
      await scrapeBeforeStop,
      'perimeter_ingest_rejects_total{reason="timestamp_ahead"}',
    );
    expect(aheadRejects, 'points stamped an hour ahead are refused and counted').toBeGreaterThan(0);
    const cpu = c
      .samples()
      .filter((sample) => sample.nodeId === 'skewed-node' && sample.metric === 'system.cpu.utilization');
    const identities = cpu.map((sample) => `${sample.seriesId}@${sample.tsMs}`);
    expect(new Set(identities).size).toBe(identities.length);
    const end = Date.now();
    const ahead = cpu.filter((sample) => sample.tsMs > end + 50 * 60_000);
    const behind = cpu.filter((sample) => sample.tsMs < t0 - 50 * 60_000);
    const onTime = cpu.filter((sample) => sample.tsMs >= t0 - 60_000 && sample.tsMs <= end + 60_000);
    expect(ahead.length, 'samples stamped an hour ahead are not kept as samples').toBe(0);
    expect(behind.length, 'samples stamped an hour behind are kept').toBeGreaterThan(0);
    expect(onTime.length).toBeGreaterThan(0);
    expect(ahead.length + behind.length + onTime.length).toBe(cpu.length);
    expectChainsHold(c.dataDir, ['skewed-node']);
  }, 150_000);
});
