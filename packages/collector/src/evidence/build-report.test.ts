import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertStore } from '../alerts/alert-store.ts';
import type { AlertInstance } from '../alerts/state.ts';
import { makeCheckpoint } from '../integrity/checkpoint.ts';
import { createSigningKeyFiles, loadSigningKey } from '../integrity/keys.ts';
import type { DecodedEvent } from '../otlp/types.ts';
import { storePath } from '../store/db.ts';
import { openStore, type Store } from '../store/store.ts';
import { createToken, revokeTokens } from '../tokens/token-store.ts';
import { buildEvidence, type EvidenceReport } from './build-report.ts';
import { toCsv } from './render-csv.ts';
import { renderMarkdown } from './render-markdown.ts';
import { defineSection, type RetentionSettings } from './section.ts';
import { EVIDENCE_SECTIONS } from './section-list.ts';
import type { AccessRows } from './sections/access.ts';
import type { ChangesRows } from './sections/changes.ts';
import type { CredentialsRows } from './sections/credentials.ts';
import type { IncidentsRows } from './sections/incidents.ts';
import type { NodeIntegrity } from './sections/integrity.ts';
import type { InventoryRow } from './sections/inventory.ts';
import { reportJson } from './write-report.ts';

/**
 * The evidence sections built from a real store in a temp dir (no process): batches, logins,
 * drift and its fix written through the store API, tokens and alert history through their own
 * stores; then each section's rows, the numbering by position, and a section added in one file.
 */
const MIN = 60_000;
const FROM_MS = Date.parse('2026-11-01T00:00:00Z');
const TO_MS = FROM_MS + 60 * MIN;
const at = (minute: number) => FROM_MS + minute * MIN;

let dataDir: string;
let store: Store;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'perimeter-evidence-unit-'));
  store = openStore({ dataDir, synchronous: 'NORMAL' });
});
afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

let seq = 0;
function writeBatch(nodeId: string, minute: number, events: DecodedEvent[] = []): void {
  store.writeBatch({
    nodeId,
    streamId: `s-${nodeId}`,
    seq: ++seq,
    signal: events.length === 0 ? 'metrics' : 'logs',
    receivedAtMs: at(minute) + 100,
    contentType: 'application/json',
    contentEncoding: 'identity',
    payload: Buffer.from(`{"n":${seq}}`),
    resources: [
      {
        attributes: { 'perimeter.node.id': nodeId, 'host.model': 'Mac16,10', 'os.type': 'darwin' },
        points:
          events.length === 0
            ? [
                {
                  metric: 'hw.temperature',
                  unit: 'Cel',
                  kind: 'gauge',
                  attributes: [],
                  timeMs: at(minute),
                  value: 50,
                },
              ]
            : [],
        events,
      },
    ],
  });
}
const event = (minute: number, eventName: string, attributes: Record<string, string>): DecodedEvent => ({
  timeMs: at(minute),
  observedMs: null,
  eventName,
  severity: 9,
  body: eventName,
  attributes,
});
const login = (minute: number, outcome: string) =>
  event(minute, 'auth.login', { 'auth.outcome': outcome, 'auth.method': 'ssh', 'user.name': 'ops' });
const drift = (minute: number, observed: string) =>
  event(minute, 'config.drift', { 'check.id': 'macos.firewall', expected: 'on', observed, previous: '' });

function build(sections = EVIDENCE_SECTIONS): EvidenceReport {
  return buildEvidence(store, {
    period: { fromMs: FROM_MS, toMs: TO_MS },
    nowMs: () => TO_MS + MIN,
    progress: () => {},
    retention: { events: 0, metricDetail: 0, summaries: 0, forwardedRetentionMs: 0, sinks: 0 },
    sections,
  });
}
interface ReportJson {
  inventory: InventoryRow[];
  access: AccessRows;
  credentials: CredentialsRows;
  changes: ChangesRows;
  incidents: IncidentsRows;
  integrity: NodeIntegrity[];
  integrityOk: boolean;
  retention: RetentionSettings;
  models?: unknown;
}
const json = (report: EvidenceReport) => reportJson(report) as unknown as ReportJson;

describe('evidence sections over a real store', () => {
  beforeEach(() => {
    for (let minute = 0; minute < 60; minute++) {
      if (minute < 30 || minute >= 45) writeBatch('node-a', minute); // node-a silent for 15 minutes
      writeBatch('node-b', minute);
    }
    writeBatch('node-a', 10, [
      login(10, 'failure'),
      login(11, 'failure'),
      login(12, 'success'),
      drift(13, 'off'),
    ]);
    writeBatch('node-a', 40, [drift(40, 'on')]);
    createToken(store, { nodeId: 'auditor', role: 'reader', actor: 'test', nowMs: at(1) });
    createToken(store, { nodeId: 'retired', role: 'node', actor: 'test', nowMs: at(2) });
    revokeTokens(store, { nodeId: 'retired', actor: 'test', nowMs: at(3) });
    const alert: AlertInstance = {
      ruleKey: 'perimeter/NodeDown',
      name: 'NodeDown',
      fingerprint: 'fp-a',
      labels: { node: 'node-a' },
      annotations: {},
      value: 1,
      state: 'firing',
      activeAtMs: at(31),
      firedAtMs: at(32),
      resolvedAtMs: null,
      keepFiringSinceMs: null,
      lastSentAtMs: null,
    };
    const alerts = createAlertStore(store);
    alerts.saveCycle([], [], [{ alert, from: 'pending', to: 'firing', atMs: at(32) }]);
    alerts.saveCycle([], [], [{ alert, from: 'firing', to: 'inactive', atMs: at(45) }]);
  });

  it('reads each section from the store: coverage, logins, the access review, drift fixed, the incident, the chain', () => {
    const report = json(build());
    const nodeA = report.inventory.find((n) => n.nodeId === 'node-a');
    expect(nodeA).toMatchObject({ hardwareModel: 'Mac16,10', intervalMs: 60_000, intervalsInPeriod: 60 });
    // 45 minutes of metrics, plus the silent stretch's one logs batch (minute 40): any batch covers its interval.
    expect(nodeA?.intervalsWithData).toBe(46);
    expect(report.inventory.find((n) => n.nodeId === 'node-b')?.coveragePct).toBe(100);
    expect(report.access).toMatchObject({
      total: 3,
      failures: 2,
      peakFailures5m: { count: 2, startMs: at(10) },
    });
    expect(report.credentials).toMatchObject({ issued: 2, revoked: 1, activeAtEnd: 1 });
    expect(report.credentials.audit.map((a) => a.action)).toEqual([
      'token.create',
      'token.create',
      'token.revoke',
    ]);
    expect(report.changes).toMatchObject({ remediated: 1, open: 0, medianTimeToRemediateMs: 27 * MIN });
    expect(report.incidents.incidents).toEqual([
      expect.objectContaining({
        name: 'NodeDown',
        firedAtMs: at(32),
        resolvedAtMs: at(45),
        durationMs: 13 * MIN,
      }),
    ]);
    expect(report.integrity.map((i) => i.verdict.ok)).toEqual([true, true]);
    expect(report.integrityOk).toBe(true);
    expect(report.retention).toMatchObject({ events: 0, sinks: 0 });
  });

  it("numbers the headings by position and cites each section's controls under its heading", () => {
    const md = renderMarkdown(build());
    const headings = md.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toEqual(EVIDENCE_SECTIONS.map((s, i) => `## ${i + 1}. ${s.title}`));
    const afterChanges = md.split('## 4. Changes: configuration drift\n')[1] as string;
    expect(afterChanges.split('\n')[0]).toContain('SOC 2: CC7.1, CC8.1');
    expect(md).toContain("Integrity: every node's hash chain holds");
  });

  it('takes a new section from one definition: its heading, rows, CSV and JSON, and a failing verdict', () => {
    const models = defineSection<Array<{ node: string; model: string }>>({
      id: 'models',
      title: 'Models in use',
      controls: { soc2: ['CC8.1'], iso27001: ['8.32 Change management'], basis: 'test' },
      read: ({ reads }) => reads.nodes().map((n) => ({ node: n.nodeId, model: 'llama' })),
      markdown: (rows) => [`${rows.length} node(s) serve models.`, ''],
      csv: (rows) => ({
        'models.csv': toCsv(
          ['node', 'model'],
          rows.map((r) => [r.node, r.model]),
        ),
      }),
      verdict: (rows, n) => ({ holds: rows.length === 0, line: `Models: unexpected (see section ${n})` }),
    });
    const report = build([EVIDENCE_SECTIONS[0], models] as typeof EVIDENCE_SECTIONS);
    const md = renderMarkdown(report);
    expect(md).toContain('## 2. Models in use\n*Controls: SOC 2: CC8.1');
    expect(md).toContain('2 node(s) serve models.');
    expect(md).toContain('Models: unexpected (see section 2)');
    expect(json(report).models).toEqual([
      { node: 'node-a', model: 'llama' },
      { node: 'node-b', model: 'llama' },
    ]);
    expect(report.sections[1]?.csv['models.csv']).toBe('node,model\r\nnode-a,llama\r\nnode-b,llama\r\n');
    expect(report.integrityOk).toBe(false);
  });

  it('names the signed checkpoint it verified against (sequence, time, hash, key id), and BROKEN when the store no longer matches it', () => {
    expect(renderMarkdown(build())).toContain('Signed checkpoint: none in the store');
    const key = createSigningKeyFiles(join(dataDir, 'keys'));
    makeCheckpoint(store, loadSigningKey(key.privateKeyPath), {}, at(50));
    const second = makeCheckpoint(store, loadSigningKey(key.privateKeyPath), {}, at(61));
    const report = build();
    const md = renderMarkdown(report);
    expect(md).toContain(
      `Signed checkpoint verified against: sequence 2 at ${new Date(at(61)).toISOString()}, hash ${second.hash}, signing key id (SHA-256 of the public key) ${key.keyId}: the store verifies against it`,
    );
    expect(md).toContain("Integrity: every node's hash chain holds and the store matches checkpoint 2");
    expect(reportJson(report)['integrityCheckpoint']).toMatchObject({
      ok: true,
      checkpoint: { seq: 2, atMs: at(61), hash: second.hash, keyId: key.keyId },
    });

    // A token the checkpoint signed is revoked afterwards: legal. Deleting one is not; the chains still hold.
    createToken(store, { nodeId: 'late', role: 'node', actor: 'test', nowMs: at(62) });
    expect(build().integrityOk).toBe(true);
    // As someone holding the store file would: their own SQLite connection beside the store's.
    const db = new Database(storePath(dataDir));
    db.prepare("DELETE FROM tokens WHERE node_id = 'auditor'").run();
    db.close();
    const broken = build();
    expect(broken.integrityOk).toBe(false);
    expect(json(broken).integrity.map((i) => i.verdict.ok)).toEqual([true, true]);
    const brokenMd = renderMarkdown(broken);
    const section = EVIDENCE_SECTIONS.findIndex((s) => s.id === 'integrity') + 1;
    expect(brokenMd).toContain(`Integrity: BROKEN against the signed checkpoint (see section ${section})`);
    expect(brokenMd).toMatch(
      /- token [^:]+: token \S+ \(in checkpoint 2\) was deleted \(since checkpoint 2\)/,
    );
  });
});
