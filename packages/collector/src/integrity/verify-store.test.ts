import { createHash, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeChainHash, ExitCodes, GENESIS_HASH } from '@perimeter/schema';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRetention } from '../evidence/retention.ts';
import { storePath } from '../store/db.ts';
import { createPrunedRangeChain } from '../store/pruned-range-chain.ts';
import { rowLinkHash } from '../store/row-chain.ts';
import { openStoreFile } from '../store/store-file.ts';
import { highTemperatureOnNodeA, webhookSent } from '../test-support/alert-fixture.ts';
import { createTestCollector, jsonGauge } from '../test-support/test-collector.ts';
import { createToken, revokeTokens } from '../tokens/token-store.ts';
import { type CheckpointBody, checkpointHash, makeCheckpoint, type ParsedCheckpoint } from './checkpoint.ts';
import { runVerifyCommand } from './integrity-command.ts';
import { createSigningKeyFiles, loadPublicKey, loadSigningKey } from './keys.ts';
import { verifyStore } from './verify-store.ts';

/**
 * The store verifier on real stores: a real collector app ingests OTLP/JSON into SQLite in a temp
 * dir, a signed checkpoint is taken off the box (a file outside the data dir), then a script edits
 * the closed store with its own SQLite connection, as someone holding the collector's files would.
 * Each edit must read BROKEN against the off-box checkpoint; legitimate pruning stays intact
 * (over 400 simulated days, with a key rotation: prune-400-days.test.ts).
 */
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const SETTINGS = { retention: { events: 0, metricDetail: 5 * HOUR } };

let work: string;
let dataDir: string;
let keyDir: string;

async function buildStore(hours: number): Promise<void> {
  const collector = createTestCollector({ dataDir });
  for (const nodeId of ['node-a', 'node-b']) {
    const token = collector.tokenFor(nodeId);
    for (let hour = 0; hour < hours; hour++) {
      collector.clock.nowMs = T0 + hour * HOUR;
      const body = jsonGauge({
        nodeId,
        points: [{ value: hour, timeMs: collector.clock.nowMs, attributes: { sensor: 'cpu0' } }],
      });
      const response = await collector.post('metrics', body, { token, stream: `${nodeId}-s`, seq: hour + 1 });
      expect(response.status).toBe(200);
    }
  }
  revokeTokens(collector.store, { nodeId: 'node-b', actor: 'test', nowMs: T0 + hours * HOUR });
  createToken(collector.store, {
    nodeId: 'node-a',
    role: 'reader',
    actor: 'test',
    nowMs: T0,
    expiresAtMs: T0 + 90 * 24 * HOUR,
  });
  recordAlerts(collector.store, hours);
  await collector.store.close();
}

/** An alert on node-a that fires and resolves every 3 hours, each firing notified: history and notification rows. */
function recordAlerts(store: ReturnType<typeof openStoreFile>, hours: number): void {
  const alert = highTemperatureOnNodeA({ value: 91.5, activeAtMs: T0 });
  for (let hour = 0; hour + 2 < hours; hour += 3) {
    const steps: Array<['new' | 'pending' | 'firing', 'pending' | 'firing' | 'inactive']> = [
      ['new', 'pending'],
      ['pending', 'firing'],
      ['firing', 'inactive'],
    ];
    steps.forEach(([from, to], step) => {
      const atMs = T0 + (hour + step) * HOUR;
      store.alerts.saveCycle([{ ...alert, state: to }], [], [{ alert, from, to, atMs }]);
      if (to === 'firing') {
        store.alerts.logNotification(webhookSent(atMs, [alert.fingerprint]));
      }
    });
  }
}

function withStore<T>(fn: (store: ReturnType<typeof openStoreFile>) => T): T {
  const store = openStoreFile({ dataDir });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** A checkpoint now, written off the box (outside the data dir); returns its path. */
function checkpointOffBox(
  name: string,
  atMs: number,
  keyPath = join(keyDir, 'checkpoint-signing.key'),
): string {
  const path = join(work, name);
  withStore((store) => {
    const checkpoint = makeCheckpoint(store, loadSigningKey(keyPath), SETTINGS, atMs);
    writeFileSync(path, JSON.stringify(checkpoint.envelope));
  });
  return path;
}

function verify(files: string[], publicKey = join(keyDir, 'checkpoint-signing.pub')) {
  return withStore((store) =>
    verifyStore({
      store,
      given: files.map((file): [string, string] => [file, readFileSync(file, 'utf8')]),
      pinnedKey: loadPublicKey(publicKey).publicKey,
    }),
  );
}

function tamper(sql: (db: Database.Database) => void): void {
  const db = new Database(storePath(dataDir));
  try {
    sql(db);
  } finally {
    db.close();
  }
}

function problemsText(verdict: ReturnType<typeof verify>): string {
  return verdict.problems.map((p) => `${p.where}: ${p.what}`).join('\n');
}

/** Retention pruning now: metric detail older than `detailHours`, a range per node per setting. */
function pruneDetailOlderThan(detailHours: number, nowMs = T0 + 10 * HOUR): void {
  withStore((store) => {
    createRetention(store, { events: 0, metricDetail: detailHours * HOUR, summaries: 0 }).enforce(nowMs);
  });
}

/**
 * Replaces the store's only checkpoint with what an older collector signed: payload version 1
 * (schema 8-9: no alert heads, token digests without the expiry) or 2 (schema 10-11), both with
 * every pruned range listed. Returns the off-box file.
 */
function legacyCheckpointOffBox(version: 1 | 2, name: string): string {
  const path = join(work, name);
  const keyPath = join(keyDir, 'checkpoint-signing.key');
  withStore((store) => {
    const made: ParsedCheckpoint = makeCheckpoint(store, loadSigningKey(keyPath), SETTINGS, T0);
    tamper((db) => db.prepare('DELETE FROM checkpoints').run());
    const { alerts, prunedHead: _head, prunedCount: _count, ...rest } = made.body;
    const pruned = store.integrity.prunedRanges().map(({ id: _id, ...range }) => range);
    const legacy: CheckpointBody = {
      ...rest,
      ...(version === 2 ? { alerts } : {}),
      v: version,
      tokens: store.integrity.tokens(version),
      pruned,
      prunedDigest: createHash('sha256').update(JSON.stringify(pruned)).digest('hex'),
    };
    const signed = JSON.stringify(legacy);
    const envelope = {
      signed,
      signature: sign(null, Buffer.from(signed), loadSigningKey(keyPath).privateKey).toString('base64'),
      publicKey: readFileSync(join(keyDir, 'checkpoint-signing.pub'), 'utf8'),
    };
    store.integrity.saveCheckpoint({
      seq: 1,
      atMs: T0,
      hash: checkpointHash(signed),
      signedJson: JSON.stringify(envelope),
    });
    writeFileSync(path, JSON.stringify(envelope));
  });
  return path;
}

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), 'perimeter-integrity-'));
  dataDir = join(work, 'data');
  keyDir = join(work, 'keys');
  createSigningKeyFiles(keyDir);
  await buildStore(10);
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('verify against an off-box signed checkpoint', () => {
  it('holds on an untouched store, after legitimate retention pruning covered by a checkpoint', () => {
    const first = checkpointOffBox('cp1.json', T0 + 10 * HOUR);
    expect(verify([first])).toMatchObject({ ok: true, problems: [] });
    withStore((store) => {
      const result = createRetention(store, { events: 0, metricDetail: 5 * HOUR, summaries: 0 }).enforce(
        T0 + 10 * HOUR,
      );
      expect(result.metricBatches).toBeGreaterThanOrEqual(5);
    });
    // Pruned after the newest checkpoint: not yet proven.
    expect(problemsText(verify([first]))).toMatch(/covered by no signed checkpoint/);
    const second = checkpointOffBox('cp2.json', T0 + 10 * HOUR + 1);
    const verdict = verify([first, second]);
    expect(problemsText(verdict)).toBe('');
    expect(verdict.checkpoint).toMatchObject({ seq: 2, origin: second });
  });

  it('is BROKEN by a forged retention range in the middle of a chain', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    tamper((db) => {
      const batch = db
        .prepare(
          "SELECT id, prev_hash, hash, received_at_ms FROM batches WHERE node_id = 'node-a' ORDER BY id LIMIT 1 OFFSET 4",
        )
        .get() as {
        id: number;
        prev_hash: string;
        hash: string;
        received_at_ms: number;
      };
      db.prepare('DELETE FROM sample_blocks WHERE batch_id = ?').run(batch.id);
      db.prepare('DELETE FROM batches WHERE id = ?').run(batch.id);
      const range = db
        .prepare(
          `INSERT INTO pruned_ranges (node_id, from_batch_id, to_batch_id, batch_count, min_received_at_ms, max_received_at_ms,
             first_prev_hash, last_hash, reason, pruned_at_ms) VALUES ('node-a', ?, ?, 1, ?, ?, ?, ?, 'retention', ?)`,
        )
        .run(
          batch.id,
          batch.id,
          batch.received_at_ms,
          batch.received_at_ms,
          batch.prev_hash,
          batch.hash,
          T0 + 400 * 24 * HOUR,
        );
      db.prepare('INSERT INTO pruned_range_settings (range_id, setting) VALUES (?, ?)').run(
        range.lastInsertRowid,
        'retention.events=0,retention.metricDetail=18000000',
      );
    });
    const verdict = verify([cp]);
    expect(verdict.ok).toBe(false);
    expect(problemsText(verdict)).toMatch(
      /pruned range node node-a batches \d+-\d+ .*covered by no signed checkpoint/,
    );
  });

  it('is BROKEN by a renamed metric or a changed label', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    tamper((db) => db.prepare("UPDATE series SET metric = 'hw.fan.speed' WHERE node_id = 'node-a'").run());
    expect(problemsText(verify([cp]))).toMatch(
      /metric was renamed or a label changed \(since checkpoint 1\)/,
    );
    tamper((db) =>
      db
        .prepare(
          "UPDATE series SET metric = 'hw.temperature', attributes_json = replace(attributes_json, 'cpu0', 'cpu1')",
        )
        .run(),
    );
    expect(problemsText(verify([cp]))).toMatch(/series metadata/);
  });

  it('is BROKEN by an edited or a deleted audit row', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    tamper((db) => db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE id = 1").run());
    expect(problemsText(verify([cp]))).toMatch(/audit row 1 was edited/);
    tamper((db) => db.prepare("UPDATE audit_log SET actor = 'test' WHERE id = 1").run());
    expect(verify([cp]).ok).toBe(true);
    tamper((db) => {
      const last = db.prepare('SELECT max(id) FROM audit_log').pluck().get() as number;
      db.prepare('DELETE FROM audit_log_links WHERE audit_id = ?').run(last);
      db.prepare('DELETE FROM audit_log WHERE id = ?').run(last);
    });
    expect(problemsText(verify([cp]))).toMatch(/audit row \d+, the head checkpoint 1 signed, is gone/);
  });

  it('is BROKEN by a deleted token row or an undone revocation', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    tamper((db) => db.prepare('UPDATE tokens SET revoked_at_ms = NULL').run());
    expect(problemsText(verify([cp]))).toMatch(/was revoked at \d+ and that was undone/);
    tamper((db) => db.prepare("DELETE FROM tokens WHERE node_id = 'node-a'").run());
    expect(problemsText(verify([cp]))).toMatch(/token \S+ \(in checkpoint 1\) was deleted/);
  });

  it('is BROKEN when every chain link and the head are recomputed by a script without the key', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    tamper((db) => {
      const rows = db
        .prepare(
          "SELECT id, stream_id, seq, signal, received_at_ms, payload_sha256, rows_sha256 FROM batches WHERE node_id = 'node-a' ORDER BY id",
        )
        .all() as Array<{
        id: number;
        stream_id: string;
        seq: number;
        signal: string;
        received_at_ms: number;
        payload_sha256: string;
        rows_sha256: string;
      }>;
      let previousHash = '0'.repeat(64);
      for (const [index, row] of rows.entries()) {
        // Back-date the third batch by an hour, then relink everything after it.
        const receivedAtMs = index === 2 ? row.received_at_ms - HOUR : row.received_at_ms;
        const hash = computeChainHash({
          previousHash,
          nodeId: 'node-a',
          streamId: row.stream_id,
          seq: row.seq,
          signal: row.signal,
          receivedAtMs,
          payloadDigest: row.payload_sha256,
          rowsDigest: row.rows_sha256,
        });
        db.prepare('UPDATE batches SET received_at_ms = ?, prev_hash = ?, hash = ? WHERE id = ?').run(
          receivedAtMs,
          previousHash,
          hash,
          row.id,
        );
        previousHash = hash;
      }
      db.prepare("UPDATE nodes SET chain_head = ? WHERE node_id = 'node-a'").run(previousHash);
    });
    const verdict = verify([cp]);
    expect(problemsText(verdict)).not.toMatch(/node node-a: BROKEN/); // the unkeyed chain alone holds…
    expect(problemsText(verdict)).toMatch(/the chain was recomputed without the key \(since checkpoint 1\)/);
  });

  it('is BROKEN when the newest batches are cut off', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    tamper((db) => {
      const last = db
        .prepare("SELECT id FROM batches WHERE node_id = 'node-a' ORDER BY id DESC LIMIT 3")
        .pluck()
        .all() as number[];
      for (const id of last) {
        db.prepare('DELETE FROM sample_blocks WHERE batch_id = ?').run(id);
        db.prepare('DELETE FROM batches WHERE id = ?').run(id);
      }
      const kept = db
        .prepare("SELECT id, hash FROM batches WHERE node_id = 'node-a' ORDER BY id DESC LIMIT 1")
        .get() as { id: number; hash: string };
      db.prepare("UPDATE nodes SET chain_head = ?, last_batch_id = ? WHERE node_id = 'node-a'").run(
        kept.hash,
        kept.id,
      );
    });
    expect(problemsText(verify([cp]))).toMatch(
      /head of node node-a in checkpoint 1, is gone: the newest batches were cut off/,
    );
  });

  it('is BROKEN by an edited checkpoint file or one signed by another key', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    const envelope = JSON.parse(readFileSync(cp, 'utf8'));
    envelope.signed = envelope.signed.replace('"seq":1', '"seq":7');
    writeFileSync(cp, JSON.stringify(envelope));
    expect(problemsText(verify([cp]))).toMatch(/the signature does not verify/);
    const otherKeys = join(work, 'other-keys');
    createSigningKeyFiles(otherKeys);
    const forged = checkpointOffBox('forged.json', T0 + 11 * HOUR, join(otherKeys, 'checkpoint-signing.key'));
    expect(problemsText(verify([forged]))).toMatch(/is signed by key \w+, not the given public key/);
  });

  it('is BROKEN by an edited or a deleted alert transition, naming the table, the row and the checkpoint', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    tamper((db) => db.prepare("UPDATE alert_history SET to_state = 'inactive' WHERE id = 2").run());
    expect(problemsText(verify([cp]))).toMatch(
      /alert_history row 2: alert_history row 2 was edited \(its fields do not hash to its link\) \(since checkpoint 1\)/,
    );
    // The command an auditor runs: exit 3, the table, the row and the checkpoint on stdout.
    let out = '';
    const code = runVerifyCommand(
      ['--data-dir', dataDir, '--checkpoint', cp, '--public-key', join(keyDir, 'checkpoint-signing.pub')],
      {
        stdout: {
          write(text: string) {
            out += text;
            return true;
          },
        } as unknown as NodeJS.WritableStream,
        env: {},
        nowMs: () => T0 + 11 * HOUR,
      },
    );
    expect(code).toBe(ExitCodes.integrityBroken);
    expect(out).toMatch(/^BROKEN: /);
    expect(out).toContain('  BROKEN alert_history row 2: alert_history row 2 was edited');
    tamper((db) => db.prepare("UPDATE alert_history SET to_state = 'firing' WHERE id = 2").run());
    expect(verify([cp])).toMatchObject({ ok: true, problems: [] });
    tamper((db) => {
      db.prepare('DELETE FROM alert_history_links WHERE row_id = 2').run();
      db.prepare('DELETE FROM alert_history WHERE id = 2').run();
    });
    expect(problemsText(verify([cp]))).toMatch(
      /alert_history row 3 does not link to the row before it \(alert_history row 1\): a row between them was deleted, or one inserted \(since checkpoint 1\)/,
    );
  });

  it('is BROKEN by a notification record relinked without the key, or the signed newest one deleted', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    // Turn the first delivery into a failure and recompute every link, as a script knowing the format can.
    tamper((db) => {
      db.prepare("UPDATE alert_notifications SET outcome = 'failed', http_status = 503 WHERE id = 1").run();
      const rows = db
        .prepare(
          `SELECT id, json_array(at_ms, notifier, target, attempt, outcome, http_status, error, alert_count, fingerprints_json) AS fields
           FROM alert_notifications ORDER BY id`,
        )
        .all() as Array<{ id: number; fields: string }>;
      let previousHash = GENESIS_HASH;
      for (const row of rows) {
        const hash = rowLinkHash(previousHash, row.id, row.fields);
        db.prepare('UPDATE alert_notification_links SET prev_hash = ?, hash = ? WHERE row_id = ?').run(
          previousHash,
          hash,
          row.id,
        );
        previousHash = hash;
      }
    });
    const relinked = problemsText(verify([cp]));
    expect(relinked).not.toMatch(/was edited|does not link/); // the unkeyed chain alone holds…
    expect(relinked).toMatch(
      /the alert_notifications chain at row 3 is not the head checkpoint 1 signed: the rows were rewritten and their links recomputed \(since checkpoint 1\)/,
    );
    tamper((db) => {
      db.prepare('DELETE FROM alert_notification_links WHERE row_id = 3').run();
      db.prepare('DELETE FROM alert_notifications WHERE id = 3').run();
    });
    expect(problemsText(verify([cp]))).toMatch(
      /alert_notifications row 3, the head checkpoint 1 signed, is gone: rows were deleted \(since checkpoint 1\)/,
    );
  });

  it('is BROKEN by an extended or removed token expiry', () => {
    const cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
    tamper((db) =>
      db.prepare('UPDATE token_expiry SET expires_at_ms = expires_at_ms + 365 * 86400000').run(),
    );
    expect(problemsText(verify([cp]))).toMatch(
      /token \S+ was edited \(node, role, secret, creation time or expiry\) \(since checkpoint 1\)/,
    );
    tamper((db) =>
      db.prepare('UPDATE token_expiry SET expires_at_ms = expires_at_ms - 365 * 86400000').run(),
    );
    expect(verify([cp]).ok).toBe(true);
    tamper((db) => db.prepare('DELETE FROM token_expiry').run());
    expect(problemsText(verify([cp]))).toMatch(/token \S+ was edited .*expiry/);
  });

  it('keeps a payload version 1 checkpoint (before alerts and token expiry were signed) verifiable, and chains on from it', () => {
    const v1 = legacyCheckpointOffBox(1, 'v1.json');
    const old = verify([v1]);
    expect(old).toMatchObject({ ok: true, problems: [], checkpoint: { seq: 1 } });
    expect(old.notes.join('\n')).toMatch(/checkpoint 1 is payload version 1.*checked by their links alone/);
    const v2 = checkpointOffBox('v2.json', T0 + 11 * HOUR);
    expect(verify([v1, v2])).toMatchObject({ ok: true, problems: [], checkpoint: { seq: 2 } });
    expect(JSON.parse(JSON.parse(readFileSync(v2, 'utf8')).signed)).toMatchObject({
      v: 3,
      previousHash: expect.any(String),
    });
    tamper((db) => db.prepare('UPDATE alert_history SET value = 50 WHERE id = 1').run());
    expect(problemsText(verify([v1]))).toMatch(/alert_history row 1 was edited/); // links still checked under v1
  });
  it('keeps a payload version 2 checkpoint (every pruned range listed) verifiable, and chains on from it with v3', () => {
    pruneDetailOlderThan(5);
    const v2 = legacyCheckpointOffBox(2, 'v2.json');
    expect(verify([v2])).toMatchObject({ ok: true, problems: [], checkpoint: { seq: 1 } });
    tamper((db) => db.prepare('UPDATE pruned_ranges SET to_batch_id = to_batch_id - 1 WHERE id = 1').run());
    expect(problemsText(verify([v2]))).toMatch(
      /pruned range node node-a .*covered by no signed checkpoint up to 1/,
    );
    tamper((db) => db.prepare('UPDATE pruned_ranges SET to_batch_id = to_batch_id + 1 WHERE id = 1').run());
    pruneDetailOlderThan(3); // another setting: new ranges, proven by the v3 checkpoint
    expect(problemsText(verify([v2]))).toMatch(/covered by no signed checkpoint up to 1/);
    const v3 = checkpointOffBox('v3.json', T0 + 11 * HOUR);
    expect(JSON.parse(JSON.parse(readFileSync(v3, 'utf8')).signed)).toMatchObject({
      v: 3,
      prunedHead: { lastId: 2 },
      prunedCount: 2,
    });
    expect(verify([v2, v3])).toMatchObject({ ok: true, problems: [], checkpoint: { seq: 2 } });
  });

  describe('pruned ranges under payload v3 (the chain head and row count signed, not the list)', () => {
    let cp: string;
    beforeEach(() => {
      // node-a's batches (the store's first ten) only; each setting its own row.
      pruneDetailOlderThan(8); // row 1: batches 1-2
      pruneDetailOlderThan(5); // row 2: batches 3-5
      pruneDetailOlderThan(3); // row 3: batches 6-7
      cp = checkpointOffBox('cp.json', T0 + 10 * HOUR);
      const body = JSON.parse(JSON.parse(readFileSync(cp, 'utf8')).signed) as CheckpointBody;
      expect(body).toMatchObject({ v: 3, prunedHead: { lastId: 3 }, prunedCount: 3 });
      expect(body).not.toHaveProperty('pruned');
      expect(verify([cp])).toMatchObject({ ok: true, problems: [] });
    });

    it('is BROKEN by an edited range, naming the row', () => {
      tamper((db) =>
        db.prepare('UPDATE pruned_ranges SET max_received_at_ms = max_received_at_ms - 1 WHERE id = 2').run(),
      );
      expect(problemsText(verify([cp]))).toMatch(/pruned_ranges row 2 was edited .*\(since checkpoint 1\)/);
      tamper((db) =>
        db.prepare('UPDATE pruned_ranges SET max_received_at_ms = max_received_at_ms + 1 WHERE id = 2').run(),
      );
      expect(verify([cp]).ok).toBe(true);
      tamper((db) =>
        db
          .prepare("UPDATE pruned_range_settings SET setting = 'retention.metricDetail=1' WHERE range_id = 3")
          .run(),
      );
      expect(problemsText(verify([cp]))).toMatch(/pruned_ranges row 3 was edited/);
    });

    it('is BROKEN by a deleted range, in the middle or the signed newest', () => {
      const remove = (id: number) =>
        tamper((db) => {
          db.prepare('DELETE FROM pruned_range_links WHERE row_id = ?').run(id);
          db.prepare('DELETE FROM pruned_ranges WHERE id = ?').run(id);
        });
      remove(2);
      const middle = problemsText(verify([cp]));
      expect(middle).toMatch(
        /pruned_ranges row 3 does not link to the row before it \(pruned_ranges row 1\)/,
      );
      expect(middle).toMatch(/pruned_ranges holds 2 range\(s\) up to row 3, checkpoint 1 signed 3/);
      remove(3);
      expect(problemsText(verify([cp]))).toMatch(
        /pruned_ranges row 3, the head checkpoint 1 signed, is gone/,
      );
    });

    it('is BROKEN by a forged range inserted in the middle with every link recomputed without the key', () => {
      tamper((db) => {
        db.pragma('foreign_keys = OFF'); // renumbering the rows after it, as a script would
        db.prepare('DELETE FROM pruned_range_links').run();
        for (const id of [3, 2]) {
          db.prepare('UPDATE pruned_ranges SET id = id + 1 WHERE id = ?').run(id);
          db.prepare('UPDATE pruned_range_settings SET range_id = range_id + 1 WHERE range_id = ?').run(id);
        }
        const batch = db
          .prepare(
            "SELECT id, prev_hash, hash, received_at_ms FROM batches WHERE node_id = 'node-a' ORDER BY id LIMIT 1",
          )
          .get() as { id: number; prev_hash: string; hash: string; received_at_ms: number };
        db.prepare('DELETE FROM sample_blocks WHERE batch_id = ?').run(batch.id);
        db.prepare('DELETE FROM batches WHERE id = ?').run(batch.id);
        db.prepare(
          `INSERT INTO pruned_ranges (id, node_id, from_batch_id, to_batch_id, batch_count, min_received_at_ms, max_received_at_ms,
             first_prev_hash, last_hash, reason, pruned_at_ms) VALUES (2, 'node-a', ?, ?, 1, ?, ?, ?, ?, 'retention', ?)`,
        ).run(
          batch.id,
          batch.id,
          batch.received_at_ms,
          batch.received_at_ms,
          batch.prev_hash,
          batch.hash,
          T0 + 10 * HOUR,
        );
        db.prepare(
          "INSERT INTO pruned_range_settings (range_id, setting) VALUES (2, 'retention.metricDetail=3600000')",
        ).run();
        createPrunedRangeChain(db).linkExisting();
      });
      const text = problemsText(verify([cp]));
      expect(text).not.toMatch(/does not link|was edited/); // the unkeyed chain alone holds…
      expect(text).toMatch(/the pruned_ranges chain at row 3 is not the head checkpoint 1 signed/);
      // …and the genuine range renumbered past the signed head is no longer covered.
      expect(text).toMatch(/pruned range node node-a batches 6-7 .*covered by no signed checkpoint up to 1/);
    });

    it('is BROKEN by a range pruned younger than the cutoff its setting names, though a checkpoint signs it', () => {
      withStore((store) => {
        const young = store.batches
          .refsUpTo(Number.MAX_SAFE_INTEGER)
          .filter((batch) => batch.nodeId === 'node-a')
          .slice(-1);
        store.prune({
          policy: 'retention',
          setting: 'retention.events=0,retention.metricDetail=18000000',
          batches: young,
          keepHourlySummaries: true,
          nowMs: T0 + 10 * HOUR,
        });
      });
      const after = checkpointOffBox('after.json', T0 + 10 * HOUR + 1);
      expect(problemsText(verify([cp, after]))).toMatch(
        /younger than the cutoff of retention\.events=0,retention\.metricDetail=18000000/,
      );
    });

    it('links the ranges recorded before schema 12 when the store is upgraded, oldest first', () => {
      tamper((db) => {
        db.prepare('DELETE FROM pruned_range_links').run();
        db.pragma('user_version = 11');
      });
      withStore((store) => {
        expect([...store.integrity.prunedChainRows()].map((row) => row.id)).toEqual([1, 2, 3]);
        expect(store.integrity.prunedChain()).toMatchObject({ count: 3, head: { lastId: 3 } });
      });
      expect(verify([cp])).toMatchObject({ ok: true, problems: [] }); // the same links the checkpoint signed
      tamper((db) => db.prepare('UPDATE pruned_ranges SET batch_count = batch_count + 1 WHERE id = 1').run());
      expect(problemsText(verify([cp]))).toMatch(/pruned_ranges row 1 was edited/);
    });
  });
});
