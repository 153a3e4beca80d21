import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import {
  dataTimeOf,
  jsonLines,
  runCollectorCli,
  type ScenarioOptions,
  sendScenario,
  sqlite3,
  sqlite3Path,
} from '../helpers/replay-scenario.ts';

/**
 * Forensic replay from a real collector's store: a node's history (with a lost batch, an outage
 * and a final silence) sent over OTLP/HTTP to a real `serve` process, replayed by the real CLI,
 * then edited with the sqlite3 CLI on copies of the store to prove each edit is reported as BROKEN
 * at the right batch.
 */
const NODE = 'replay-node-1';
const now = Date.now();
const scenario: ScenarioOptions = {
  nodeId: NODE,
  stream: '6f1c2a4e-0b7d-4c1e-9a55-3f1f00a0b001',
  startMs: now - 3_600_000,
  batches: 45,
  skipSeqs: [32],
  silenceAfterSeq: 40,
  silenceMs: 10 * 60_000,
};
const FROM = new Date(scenario.startMs - 60_000).toISOString();
const TO = new Date(now).toISOString();
const hasSqlite3 = sqlite3Path() !== null;

let collector: CollectorProcess;
let readerToken: string;
let nodeToken: string;

const replay = (dataDir: string, ...extra: string[]) =>
  runCollectorCli(['replay', '--node', NODE, '--from', FROM, '--to', TO, '--data-dir', dataDir, ...extra]);

/** A copy of the (stopped) collector's data directory, to edit without touching the original. */
const copyStore = async () => {
  await collector.stop(); // idempotent: the first tamper test stops it, so the files are settled
  const copy = mkdtempSync(join(tmpdir(), 'perimeter-replay-tamper-'));
  cpSync(collector.dataDir, copy, { recursive: true });
  return copy;
};
const dbOf = (dataDir: string) => join(dataDir, 'collector.db');

describe('replay from the store (real collector process, real CLI)', () => {
  beforeAll(async () => {
    collector = await startCollectorProcess({ logLevel: 'warn' });
    nodeToken = collector.createToken(NODE, 'node');
    readerToken = collector.createToken('investigator', 'reader');
    await sendScenario(collector.url, nodeToken, scenario);
  }, 60_000);
  afterAll(async () => {
    await collector?.stop();
  });

  // First, while the ingest's keep-alive connection is fresh (the server closes idle ones after 5 s).
  it('serves the timeline to a reader token, 403 to a node token, 400 naming a bad parameter', async () => {
    const get = (query: string, token = readerToken) =>
      fetch(`${collector.url}/api/v1/nodes/${NODE}/timeline?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const ok = await get(`from=${FROM}&to=${TO}&event=auth.login`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as {
      integrity: { summary: string };
      rows: Array<{ type: string }>;
      node: string;
    };
    expect(body.node).toBe(NODE);
    expect(body.integrity.summary).toBe('chain holds over 44 batches');
    expect(body.rows.filter((row) => row.type === 'event')).toHaveLength(9);
    const jsonl = await get(`from=-2h&to=now&format=jsonl`);
    expect(jsonl.headers.get('content-type')).toContain('ndjson');
    expect(jsonLines(await jsonl.text()).at(-1)?.type).toBe('integrity');

    expect((await get(`from=-2h&to=now`, nodeToken)).status).toBe(403);
    for (const [query, field] of [
      ['to=now', 'from'],
      ['from=-2h', 'to'],
      ['from=banana&to=now', 'from'],
      ['from=-2h&to=now&format=xml', 'format'],
      ['from=-2h&to=now&colour=red', 'colour'],
      ['from=now&to=-2h', 'to'],
      ["from=-2h&to=now&event=a'--", 'event'],
    ] as const) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { field: string } }).error.field, query).toBe(field);
    }
    const unknown = await fetch(`${collector.url}/api/v1/nodes/nobody/timeline?from=-1h&to=now`, {
      headers: { authorization: `Bearer ${readerToken}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('merges events, metric summaries, the sequence gap, silences and last-seen, and the chain holds', () => {
    const result = replay(collector.dataDir, '--format', 'jsonl');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = jsonLines(result.stdout);
    const integrity = lines.at(-1) as Record<string, unknown>;
    expect(integrity.type).toBe('integrity');
    expect(integrity.summary).toBe('chain holds over 44 batches');
    const rows = lines.slice(1, -1);
    const times = rows.map((row) => Date.parse(row.time as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const gaps = rows.filter((row) => row.type === 'gap');
    expect(gaps).toMatchObject([{ fromSeq: 32, toSeq: 32, missing: 1, streamId: scenario.stream }]);

    const silences = rows.filter((row) => row.type === 'silence');
    expect(silences).toHaveLength(2);
    expect(silences[0]).toMatchObject({
      time: new Date(dataTimeOf(scenario, 39)).toISOString(),
      end: new Date(dataTimeOf(scenario, 41)).toISOString(),
      ongoing: false,
    });
    expect(silences[1]).toMatchObject({
      time: new Date(dataTimeOf(scenario, 44)).toISOString(),
      ongoing: true,
    });
    expect(rows.filter((row) => row.type === 'last-seen')).toMatchObject([
      { time: new Date(dataTimeOf(scenario, 44)).toISOString() },
    ]);

    const events = rows.filter((row) => row.type === 'event');
    expect(events).toHaveLength(9);
    expect(events[0]).toMatchObject({
      name: 'auth.login',
      body: 'Failed password for admin from 10.0.0.5',
      severity: 13,
      attributes: { 'auth.outcome': 'failure', 'user.name': 'admin', 'auth.method': 'ssh' },
      beforeSilence: false,
    });
    // The login at seq 35 came 40 s before the node went quiet at seq 39.
    expect(events.find((row) => row.body === 'Failed password for admin from 10.0.0.35')).toMatchObject({
      beforeSilence: true,
    });

    const temperatures = rows.filter((row) => row.type === 'metric' && row.metric === 'hw.temperature');
    expect(temperatures.length).toBeGreaterThan(3);
    for (const row of temperatures) {
      const breach = (row.max as number) > 90;
      expect(row.breach === null ? null : (row.breach as { level: string }).level).toBe(
        breach ? 'critical' : null,
      );
    }
    expect(rows.some((row) => row.type === 'metric' && row.metric === 'hw.temperature.limit')).toBe(false);
    const pressure = rows.filter(
      (row) => row.type === 'metric' && row.metric === 'perimeter.thermal.pressure',
    );
    expect(pressure.some((row) => (row.breach as { level: string } | null)?.level === 'heavy')).toBe(true);
  });

  it('prints the same timeline as a table and as Markdown', () => {
    const table = replay(collector.dataDir);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain('integrity: chain holds over 44 batches');
    expect(table.stdout).toMatch(/GAP\s+seq 32-32 of stream/);
    expect(table.stdout).toMatch(/SILENCE\s+10m20s until/);
    expect(table.stdout).toMatch(
      /!>?\s+METRIC\s+hw\.temperature\{hw\.id=cpu0 hw\.type=temperature\}.*CRITICAL/,
    );
    const md = replay(collector.dataDir, '--format', 'md');
    expect(md.stdout).toContain(`# Replay of ${NODE}`);
    expect(md.stdout).toContain('| **GAP** |');
    expect(md.stdout).toContain('before silence');
  });

  it('filters: --events-only, --event and --metric', () => {
    const eventsOnly = jsonLines(replay(collector.dataDir, '--format', 'jsonl', '--events-only').stdout);
    expect(eventsOnly.some((row) => row.type === 'metric')).toBe(false);
    expect(eventsOnly.some((row) => row.type === 'gap')).toBe(true);
    const logins = jsonLines(replay(collector.dataDir, '--format', 'jsonl', '--event', 'auth.login').stdout);
    expect(logins.filter((row) => row.type === 'event')).toHaveLength(9);
    expect(logins.some((row) => row.type === 'metric')).toBe(false);
    const temps = jsonLines(
      replay(collector.dataDir, '--format', 'jsonl', '--metric', 'hw.temperature').stdout,
    );
    expect(new Set(temps.filter((row) => row.type === 'metric').map((row) => row.metric))).toEqual(
      new Set(['hw.temperature']),
    );
    expect(temps.some((row) => row.type === 'event')).toBe(false);
  });

  it('answers usage errors with exit 2 and an unknown node with exit 1', () => {
    expect(runCollectorCli(['replay', '--help']).stdout).toContain('--archive DIR');
    const noFrom = runCollectorCli([
      'replay',
      '--node',
      NODE,
      '--to',
      'now',
      '--data-dir',
      collector.dataDir,
    ]);
    expect(noFrom.status).toBe(2);
    expect(noFrom.stderr).toContain('--from');
    expect(runCollectorCli(['replay', '--node', NODE, '--from', 'yesterday', '--to', 'now']).status).toBe(2);
    const unknown = runCollectorCli([
      'replay',
      '--node',
      'nobody',
      '--from',
      '-1h',
      '--to',
      'now',
      '--data-dir',
      collector.dataDir,
    ]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('"nobody" has never sent a batch');
  });

  describe.skipIf(!hasSqlite3)('tampering with the store (sqlite3 CLI) is reported', () => {
    if (!hasSqlite3) {
      console.warn('sqlite3 CLI not found: skipping the tamper tests (apt-get install sqlite3)');
    }
    const batchOfLogin = (dataDir: string, seq: number) =>
      Number(sqlite3(dbOf(dataDir), `SELECT batch_id FROM events WHERE body LIKE '%10.0.0.${seq}'`).trim());
    const expectBroken = (dataDir: string, batchId: number | string, what: RegExp) => {
      const result = replay(dataDir, '--format', 'jsonl');
      expect(result.status).toBe(3);
      const integrity = jsonLines(result.stdout).at(-1) as { ok: boolean; summary: string };
      expect(integrity.ok).toBe(false);
      expect(integrity.summary).toMatch(
        new RegExp(`^BROKEN at ${typeof batchId === 'number' ? `batch ${batchId} ` : batchId}`),
      );
      expect(integrity.summary).toMatch(what);
      return result;
    };

    it('an edited event body breaks the chain at that batch', async () => {
      const copy = await copyStore();
      const batchId = batchOfLogin(copy, 15);
      sqlite3(dbOf(copy), `UPDATE events SET body = 'nothing happened' WHERE body LIKE '%10.0.0.15'`);
      const result = expectBroken(copy, batchId, /\(seq 15 of stream .*event or sample was edited/);
      expect(replay(copy).stdout).toContain('INTEGRITY PROBLEMS:');
      expect(result.stdout).toContain('nothing happened');
    });

    it('one changed byte of a stored payload breaks the chain at that batch', async () => {
      const copy = await copyStore();
      const id = Number(sqlite3(dbOf(copy), `SELECT id FROM batches WHERE seq = 7`).trim());
      sqlite3(
        dbOf(copy),
        `UPDATE batches SET payload = CAST('[' || substr(payload, 2) AS BLOB) WHERE id = ${id}`,
      );
      expectBroken(copy, id, /payload bytes hash to/);
    });

    it('a deleted batch is reported at the next batch and as a sequence gap', async () => {
      const copy = await copyStore();
      const id = Number(sqlite3(dbOf(copy), `SELECT id FROM batches WHERE seq = 12`).trim());
      sqlite3(
        dbOf(copy),
        `DELETE FROM batches WHERE id = ${id}; DELETE FROM sample_blocks WHERE batch_id = ${id}`,
      );
      const result = expectBroken(copy, id + 1, /does not link to batch/);
      expect(jsonLines(result.stdout).filter((row) => row.type === 'gap')).toMatchObject([
        { fromSeq: 12, toSeq: 12 },
        { fromSeq: 32, toSeq: 32 },
      ]);
    });

    it('a deleted event row is reported at its batch', async () => {
      const copy = await copyStore();
      const batchId = batchOfLogin(copy, 25);
      sqlite3(dbOf(copy), `DELETE FROM events WHERE body LIKE '%10.0.0.25'`);
      expectBroken(copy, batchId, /0 event\(s\); batch says 1/);
    });

    it('deleting the newest batches is caught by the node chain head', async () => {
      const copy = await copyStore();
      sqlite3(
        dbOf(copy),
        `DELETE FROM events WHERE batch_id = (SELECT max(id) FROM batches); DELETE FROM batches WHERE id = (SELECT max(id) FROM batches)`,
      );
      expectBroken(copy, 'head', /batches were removed from the end/);
    });
  });
});

// A copy of dataTimeOf's contract, checked once: the silence lies where the scenario put it.
it('scenario data times jump by the silence after seq 40', () => {
  expect(dataTimeOf(scenario, 41) - dataTimeOf(scenario, 40)).toBe(10 * 60_000 + 10_000);
});
