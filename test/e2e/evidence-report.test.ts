import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@perimeter/collector';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertInstance } from '../../packages/collector/src/alerts/state.ts';
import { openStoreFile } from '../../packages/collector/src/store/store-file.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { parseCsv } from '../helpers/csv.ts';
import { runCollectorCli } from '../helpers/replay-scenario.ts';

/**
 * Audit evidence from a real store. Two nodes' metric history is written through the store API with
 * chosen arrival times (node-a misses 30 of 120 minutes, node-b none), then a real `serve` process
 * is fed over OTLP/HTTP with logins, configuration drift and its remediation; tokens are created
 * and revoked with the real CLI; an alert's history and notifications go in through the alert
 * store. `evidence` runs as the real CLI, and every section's figures, citations, the integrity
 * line, the manifest (sha256sum -c), the CSVs and the permissions are checked; then one edited
 * event row on a copy of the store must show BROKEN.
 */
const MIN = 60_000;
const TO_MS = Date.now() + 5 * MIN;
const FROM_MS = TO_MS - 120 * MIN;
const FROM = new Date(FROM_MS).toISOString();
const TO = new Date(TO_MS).toISOString();
const at = (minutes: number) => FROM_MS + minutes * MIN;

let collector: CollectorProcess;
let out: string;
let result: { status: number | null; stdout: string; stderr: string };

function writeHistory(dataDir: string): void {
  const store = openStore({ dataDir, synchronous: 'NORMAL' });
  const seqs: Record<string, number> = { 'node-a': 0, 'node-b': 0 };
  for (let minute = 0; minute < 120; minute++) {
    for (const nodeId of ['node-a', 'node-b']) {
      if (nodeId === 'node-a' && minute >= 60 && minute < 90) {
        continue; // node-a was down for half an hour
      }
      store.writeBatch({
        nodeId,
        streamId: `history-${nodeId}`,
        seq: ++(seqs[nodeId] as number),
        signal: 'metrics',
        receivedAtMs: at(minute) + 500,
        contentType: 'application/json',
        contentEncoding: 'identity',
        payload: Buffer.from(`{"history":"${nodeId}","minute":${minute}}`),
        resources: [
          {
            attributes: { 'perimeter.node.id': nodeId },
            points: [
              {
                metric: 'hw.temperature',
                unit: 'Cel',
                kind: 'gauge',
                attributes: [['hw.id', 'soc']],
                timeMs: at(minute),
                value: 50,
              },
            ],
            events: [],
          },
        ],
      });
    }
  }
  void store.close();
}

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

async function postEvents(
  token: string,
  nodeId: string,
  seq: number,
  records: Array<{ minute: number; name: string; attrs: Record<string, string>; body?: string }>,
) {
  const body = {
    resourceLogs: [
      {
        resource: {
          attributes: [
            kv('perimeter.node.id', nodeId),
            kv('host.name', `${nodeId}.lan`),
            kv('host.model', 'Mac16,10'),
            kv('os.type', 'darwin'),
            kv('os.version', '15.5'),
            kv('service.version', '0.3.1'),
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'evidence-test' },
            logRecords: records.map((r) => ({
              timeUnixNano: `${BigInt(at(r.minute)) * 1_000_000n}`,
              severityNumber: 9,
              body: { stringValue: r.body ?? r.name },
              attributes: [kv('event.name', r.name), ...Object.entries(r.attrs).map(([k, v]) => kv(k, v))],
            })),
          },
        ],
      },
    ],
  };
  const response = await fetch(`${collector.url}/v1/logs`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-perimeter-stream': `agent-${nodeId}`,
      'x-perimeter-seq': String(seq),
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

const login = (minute: number, outcome: string, method: string, user: string, source: string) => ({
  minute,
  name: 'auth.login',
  attrs: { 'auth.outcome': outcome, 'auth.method': method, 'user.name': user, 'source.address': source },
});
const drift = (minute: number, check: string, expected: string, observed: string) => ({
  minute,
  name: 'config.drift',
  attrs: { 'check.id': check, expected, observed, previous: '', 'check.controls': 'CC7.1' },
});

function insertAlertHistory(dataDir: string): void {
  const store = openStoreFile({ dataDir });
  const alerts = store.alerts;
  const alert: AlertInstance = {
    ruleKey: 'perimeter/NodeDown',
    name: 'NodeDown',
    fingerprint: 'fp-node-a',
    labels: { alertname: 'NodeDown', node: 'node-a', severity: 'critical' },
    annotations: {},
    value: 1,
    state: 'firing',
    activeAtMs: at(62),
    firedAtMs: at(65),
    resolvedAtMs: null,
    keepFiringSinceMs: null,
    lastSentAtMs: null,
  };
  alerts.saveCycle([], [], [{ alert, from: 'new', to: 'pending', atMs: at(62) }]);
  alerts.saveCycle([], [], [{ alert, from: 'pending', to: 'firing', atMs: at(65) }]);
  alerts.saveCycle([], [], [{ alert, from: 'firing', to: 'inactive', atMs: at(91) }]);
  alerts.logNotification({
    atMs: at(65),
    notifier: 'webhook',
    target: 'http://hooks.example/x',
    attempt: 1,
    outcome: 'sent',
    httpStatus: 200,
    error: null,
    fingerprints: ['fp-node-a'],
  });
  alerts.logNotification({
    atMs: at(65),
    notifier: 'alertmanager',
    target: 'http://am.example',
    attempt: 1,
    outcome: 'retry',
    httpStatus: 503,
    error: 'unavailable',
    fingerprints: ['fp-node-a'],
  });
  alerts.logNotification({
    atMs: at(66),
    notifier: 'alertmanager',
    target: 'http://am.example',
    attempt: 2,
    outcome: 'sent',
    httpStatus: 200,
    error: null,
    fingerprints: ['fp-node-a'],
  });
  store.close();
}

const csv = (name: string) => {
  const [header, ...rows] = parseCsv(readFileSync(join(out, name), 'utf8'));
  return rows.map((r) => Object.fromEntries((header as string[]).map((h, i) => [h, r[i] ?? ''])));
};

describe('evidence from a real collector store (real serve, real CLI)', () => {
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'perimeter-e2e-evidence-'));
    writeHistory(dataDir);
    collector = await startCollectorProcess({ dataDir, logLevel: 'warn' });
    const tokenA = collector.createToken('node-a', 'node');
    const tokenB = collector.createToken('node-b', 'node');
    collector.createToken('retired-node', 'node');
    collector.revokeNode('retired-node');
    collector.createToken('auditor', 'reader');
    await postEvents(tokenA, 'node-a', 1, [
      login(10, 'failure', 'ssh', 'admin', '10.0.0.9'),
      login(11, 'failure', 'ssh', 'admin', '10.0.0.9'),
      login(12, 'failure', 'ssh', 'admin', '10.0.0.9'),
      drift(15, 'macos.firewall', 'on', 'off'),
      login(20, 'success', 'ssh', 'ops', '10.0.0.5'),
    ]);
    await postEvents(tokenA, 'node-a', 2, [drift(45, 'macos.firewall', 'on', 'on')]);
    await postEvents(tokenB, 'node-b', 1, [
      login(30, 'success', 'console', 'ops', ''),
      drift(40, 'macos.sip', 'enabled', 'disabled'),
    ]);
    await collector.stop();
    insertAlertHistory(dataDir);
    out = join(mkdtempSync(join(tmpdir(), 'perimeter-e2e-evidence-out-')), 'report');
    result = runCollectorCli(['evidence', '--from', FROM, '--to', TO, '--out', out, '--data-dir', dataDir]);
  }, 60_000);
  afterAll(async () => {
    await collector?.stop();
  });

  it('exits 0, shows progress on stderr, and writes 0600 files in a 0700 directory', () => {
    expect(result.stderr).toContain('evidence: integrity: verifying node-a');
    expect(result.status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(out)) {
      expect(statSync(join(out, name)).mode & 0o777).toBe(0o600);
    }
  });

  it('writes a manifest that sha256sum -c accepts', () => {
    const check = execFileSync('sha256sum', ['-c', 'MANIFEST.sha256'], { cwd: out, encoding: 'utf8' });
    expect(check).toContain('evidence.md: OK');
    expect(check.trim().split('\n')).toHaveLength(readdirSync(out).length - 1);
  });

  it('inventories both nodes with model, OS, agent version and coverage', () => {
    const inventory = csv('inventory.csv');
    const a = inventory.find((r) => r.node === 'node-a');
    expect(a).toMatchObject({
      hardware_model: 'Mac16,10',
      os_type: 'darwin',
      os_version: '15.5',
      agent_version: '0.3.1',
      interval_s: '60',
      intervals_with_data: '90',
      intervals_in_period: '120',
      coverage_pct: '75',
    });
    expect(inventory.find((r) => r.node === 'node-b')).toMatchObject({ coverage_pct: '100' });
    const md = readFileSync(join(out, 'evidence.md'), 'utf8');
    expect(md).toContain('| node-a | Mac16,10 | darwin 15.5 | 0.3.1 |');
    expect(md).toContain('75% (90/120)');
    expect(inventory.map((r) => r.seq_gaps_in_period)).toEqual(['0', '0']);
  });

  it('counts logins by node, user, method and outcome, with the failure summary', () => {
    expect(csv('logins.csv')).toHaveLength(5);
    expect(csv('logins-summary.csv')).toContainEqual(
      expect.objectContaining({
        node: 'node-a',
        user: 'admin',
        method: 'ssh',
        outcome: 'failure',
        count: '3',
      }),
    );
    const md = readFileSync(join(out, 'evidence.md'), 'utf8');
    expect(md).toContain('5 login(s), 3 failed (60%)');
    expect(md).toContain('- by source: 10.0.0.9 3');
    expect(md).toContain('- peak: 3 failure(s) in 5 minutes');
  });

  it('reviews tokens: issued, revoked, last used, and the audit trail', () => {
    const tokens = csv('tokens.csv');
    expect(tokens).toHaveLength(4);
    expect(tokens.find((t) => t.subject === 'retired-node')).toMatchObject({
      status_at_end: 'revoked',
      revoked_in_period: 'true',
    });
    const used = tokens.find((t) => t.subject === 'node-a');
    expect(used?.last_used).not.toBe('');
    expect(tokens.find((t) => t.subject === 'auditor')?.review).toContain('never used');
    const audit = csv('token-audit.csv');
    expect(audit.map((a) => a.action)).toEqual([
      'token.create',
      'token.create',
      'token.create',
      'token.revoke',
      'token.create',
    ]);
    expect(readFileSync(join(out, 'evidence.md'), 'utf8')).toContain(
      '4 token(s) issued and 1 revoked in the period',
    );
  });

  it('lists each drift with expected, observed and time to remediate (or open)', () => {
    const drifts = csv('drift.csv');
    expect(drifts).toEqual([
      expect.objectContaining({
        node: 'node-a',
        check: 'macos.firewall',
        expected: 'on',
        observed: 'off',
        time_to_remediate_s: '1800',
      }),
      expect.objectContaining({
        node: 'node-b',
        check: 'macos.sip',
        expected: 'enabled',
        observed: 'disabled',
        time_to_remediate_s: 'open',
      }),
    ]);
    expect(readFileSync(join(out, 'evidence.md'), 'utf8')).toContain(
      '2 drift(s) from the expected configuration; 1 remediated (median 30 min, longest 30 min), 1 open',
    );
  });

  it('reports alerts fired and resolved with durations, and the notification log', () => {
    expect(csv('alerts.csv')).toEqual([expect.objectContaining({ alert: 'NodeDown', duration_s: '1560' })]);
    expect(csv('notifications.csv').map((n) => n.outcome)).toEqual(['sent', 'retry', 'sent']);
    expect(readFileSync(join(out, 'evidence.md'), 'utf8')).toContain(
      '1 alert(s) fired in the period, 1 resolved, 0 still firing',
    );
  });

  it('cites SOC 2 and ISO 27001:2022 ids per section, states integrity and retention', () => {
    const md = readFileSync(join(out, 'evidence.md'), 'utf8');
    expect(md).toContain('SOC 2: CC6.1, CC6.2, CC6.3 · ISO/IEC 27001:2022 Annex A: 5.16 Identity management');
    expect(md).toContain(
      'SOC 2: CC7.1, CC8.1 · ISO/IEC 27001:2022 Annex A: 8.9 Configuration management; 8.32 Change management',
    );
    expect(md).toMatch(/- node-a: chain holds over 92 batches/);
    expect(md).toMatch(/- node-b: chain holds over 121 batches/);
    expect(md).toContain('- events (log batches): kept 365.0 d');
    const json = JSON.parse(readFileSync(join(out, 'evidence.json'), 'utf8')) as { integrityOk: boolean };
    expect(json.integrityOk).toBe(true);
  });

  it('refuses a non-empty --out', () => {
    const again = runCollectorCli([
      'evidence',
      '--from',
      FROM,
      '--to',
      TO,
      '--out',
      out,
      '--data-dir',
      collector.dataDir,
    ]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('is not empty');
  });

  it('shows BROKEN at the batch whose event row was edited, and exits 3', () => {
    const copy = mkdtempSync(join(tmpdir(), 'perimeter-evidence-tamper-'));
    cpSync(collector.dataDir, copy, { recursive: true });
    const db = new Database(join(copy, 'collector.db'));
    const row = db
      .prepare(`SELECT id, batch_id FROM events WHERE event_name = 'auth.login' ORDER BY id LIMIT 1`)
      .get() as { id: number; batch_id: number };
    db.prepare(
      `UPDATE events SET attributes_json = replace(attributes_json, 'failure', 'success') WHERE id = ?`,
    ).run(row.id);
    db.close();
    const tamperedOut = join(copy, 'report');
    const tampered = runCollectorCli([
      'evidence',
      '--from',
      FROM,
      '--to',
      TO,
      '--out',
      tamperedOut,
      '--data-dir',
      copy,
    ]);
    expect(tampered.status).toBe(3);
    const md = readFileSync(join(tamperedOut, 'evidence.md'), 'utf8');
    expect(md).toContain(`- node-a: BROKEN at batch ${row.batch_id}`);
    expect(md).toContain('- node-b: chain holds');
  });
});
