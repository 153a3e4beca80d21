import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCodes } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRetention } from '../evidence/retention.ts';
import { createQuota } from '../forward/quota.ts';
import { highTemperatureOnNodeA, webhookSent } from '../test-support/alert-fixture.ts';
import { jsonEvents } from '../test-support/loopback-collector.ts';
import { createTestCollector, jsonGauge, type TestCollector } from '../test-support/test-collector.ts';
import { makeCheckpoint } from './checkpoint.ts';
import { runVerifyCommand } from './integrity-command.ts';
import { createSigningKeyFiles, loadSigningKey } from './keys.ts';

/**
 * Legitimate pruning must never read as tampering. 400 simulated days (injected clock, two nodes,
 * a metric batch and a log batch each a day, an alert cycle every 10 days) on a real store, pruned
 * by the real policies: the quota's `storage.retention` for data the sink has forwarded, evidence
 * retention while the sink is down and nothing is forwarded, and hard `storage.maxBytes` drops.
 * After every prune (the jobs run weekly) a checkpoint is signed and written off the box (as serve does within 10 s of
 * a prune) and `verify` must exit 0; halfway the signing key is rotated, and at the end the store
 * verifies against every checkpoint file with only the new public key pinned, the old-key
 * checkpoints trusted through the chain (verify-store.test.ts has the tampering that must break).
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAYS = 400;
const ROTATE_ON_DAY = 200;
const T0 = Date.parse('2025-10-01T00:00:00Z');
const NODES = ['node-a', 'node-b'];
const SINK = 'archive';
/** The sink is down these days: nothing is forwarded, so only evidence retention may prune. */
const SINK_DOWN = { from: 100, to: 160 };
/** On these days the store is over `storage.maxBytes` (set just under its size): the hard quota drops the oldest. */
const OVER_QUOTA_DAYS = new Set([252, 301, 350]);
/**
 * The retention and quota jobs run once a week here (serve runs them hourly): every verify reads
 * every stored checkpoint, so a checkpoint a day would make the run quadratic for no extra proof.
 */
const JOB_EVERY_DAYS = 7;
const RETENTION = { events: 30 * DAY, metricDetail: 30 * DAY, summaries: 0 };
const STORAGE_RETENTION = 20 * DAY;

let work: string;
let collector: TestCollector;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'perimeter-prune-400-'));
  collector = createTestCollector({ dataDir: join(work, 'data') });
});
afterEach(() => {
  collector.close();
  rmSync(work, { recursive: true, force: true });
});

async function ingestDay(day: number): Promise<void> {
  const atMs = T0 + day * DAY + 12 * HOUR;
  collector.clock.nowMs = atMs;
  for (const nodeId of NODES) {
    const token = collector.tokenFor(nodeId);
    const metrics = jsonGauge({
      nodeId,
      points: [{ value: day % 90, timeMs: atMs, attributes: { sensor: 'cpu0' } }],
    });
    const logs = jsonEvents({
      nodeId,
      events: [{ name: 'auth.login', timeMs: atMs, attributes: { 'user.name': 'ops' } }],
    });
    for (const [signal, body] of [
      ['metrics', metrics],
      ['logs', logs],
    ] as const) {
      const response = await collector.post(signal, body, {
        token,
        stream: `${nodeId}-${signal}`,
        seq: day + 1,
      });
      expect(response.status, `day ${day} ${nodeId} ${signal}`).toBe(200);
    }
  }
}

function alertCycle(day: number): void {
  const alert = highTemperatureOnNodeA({
    value: 91,
    state: 'firing',
    activeAtMs: T0 + day * DAY,
    firedAtMs: T0 + day * DAY,
  });

  const atMs = T0 + day * DAY + 13 * HOUR;
  collector.store.alerts.saveCycle([alert], [], [{ alert, from: 'pending', to: 'firing', atMs }]);
  collector.store.alerts.logNotification(webhookSent(atMs, [alert.fingerprint]));
}

function verifyExit(checkpoints: readonly string[], publicKey: string): { code: number; out: string } {
  let out = '';
  const stdout = {
    write(text: string) {
      out += text;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const code = runVerifyCommand(
    [
      '--data-dir',
      collector.dataDir,
      '--public-key',
      publicKey,
      ...checkpoints.flatMap((file) => ['--checkpoint', file]),
    ],
    { stdout, env: {}, nowMs: () => collector.clock.nowMs },
  );
  return { code, out };
}

describe('legitimate pruning over 400 simulated days', () => {
  it('stays intact after every prune and at the end, across a key rotation', async () => {
    const keys = { old: join(work, 'keys-old'), new: join(work, 'keys-new') };
    createSigningKeyFiles(keys.old);
    let keyDir = keys.old;
    const files: string[] = [];
    const byKey = new Map<string, string[]>([
      [keys.old, []],
      [keys.new, []],
    ]);
    const pruned = { retention: 0, forwarded: 0, dropped: 0, prunes: 0 };
    const retention = createRetention(collector.store, RETENTION);

    for (let day = 0; day < DAYS; day++) {
      await ingestDay(day);
      if (day % 10 === 0) {
        alertCycle(day);
      }
      const nowMs = collector.clock.nowMs;
      if (day === ROTATE_ON_DAY) {
        // Before the rotation (and this day's prunes), everything verifies against the old key; from here on the new key signs.
        expect(verifyExit(files, join(keys.old, 'checkpoint-signing.pub')).code).toBe(ExitCodes.ok);
        createSigningKeyFiles(keys.new);
        keyDir = keys.new;
      }
      if (day % JOB_EVERY_DAYS !== 0 && day !== ROTATE_ON_DAY) {
        continue;
      }
      if (day < SINK_DOWN.from || day >= SINK_DOWN.to) {
        collector.store.forward.moveCursorPast(SINK, collector.store.batches.lastId() ?? 0, nowMs);
      }
      const quota = createQuota(
        collector.store,
        collector.dataDir,
        {
          // Over quota: the hard drop alone (the forwarded-data pass would free the room first).
          retentionMs: OVER_QUOTA_DAYS.has(day) ? 0 : STORAGE_RETENTION,
          maxBytes: OVER_QUOTA_DAYS.has(day) ? collector.store.space.usedBytes() - 8192 : undefined,
          minFreeBytes: 0,
        },
        () => {},
        () => Number.MAX_SAFE_INTEGER,
      );
      const byQuota = quota.enforce([SINK], nowMs);
      const byRetention = retention.enforce(nowMs);
      const removed = byQuota.pruned + byQuota.dropped + byRetention.metricBatches + byRetention.logBatches;
      pruned.forwarded += byQuota.pruned;
      pruned.dropped += byQuota.dropped;
      pruned.retention += byRetention.metricBatches + byRetention.logBatches;

      if (removed === 0 && day !== ROTATE_ON_DAY) {
        continue;
      }
      pruned.prunes += removed > 0 ? 1 : 0;
      const file = join(work, `checkpoint-${String(files.length + 1).padStart(3, '0')}.json`);
      const checkpoint = makeCheckpoint(
        collector.store,
        loadSigningKey(join(keyDir, 'checkpoint-signing.key')),
        { retention: RETENTION, storage: { retention: STORAGE_RETENTION } },
        nowMs,
      );
      writeFileSync(file, JSON.stringify(checkpoint.envelope));
      files.push(file);
      byKey.get(keyDir)?.push(file);
      const verdict = verifyExit([file], join(keyDir, 'checkpoint-signing.pub'));
      expect(verdict.out, `day ${day}`).toMatch(/^INTACT: 2 node\(s\) verified against checkpoint/);
      expect(verdict.code, `day ${day}: ${verdict.out}`).toBe(ExitCodes.ok);
    }

    // Every policy pruned, and the store holds only about the last 20–30 days.
    expect(pruned.forwarded).toBeGreaterThan(500);
    expect(pruned.retention).toBeGreaterThan(50);
    expect(pruned.dropped).toBeGreaterThan(0);
    expect(pruned.dropped).toBeLessThan(100); // the oldest few, not the whole store
    const stored = collector.store.integrity.nodes().reduce((sum, node) => sum + node.storedBatches, 0);
    expect(stored).toBeLessThanOrEqual(NODES.length * 2 * 31);
    const ranges = collector.store.integrity.prunedRanges();
    const settings = [...new Set(ranges.map((range) => range.setting))];
    expect(settings).toContain(`storage.retention=${STORAGE_RETENTION}`);
    expect(settings).toContain(
      `retention.events=${RETENTION.events},retention.metricDetail=${RETENTION.metricDetail}`,
    );
    expect(settings.some((setting) => /^storage\.maxBytes=\d+$/.test(setting ?? ''))).toBe(true);
    expect(ranges.length).toBeLessThan(30); // contiguous runs extend their range: a handful of rows, not one per prune

    // At the end: every checkpoint file, only the new key pinned; the old-key ones are trusted through the chain.
    expect(byKey.get(keys.old)?.length).toBeGreaterThan(20);
    expect(byKey.get(keys.new)?.length).toBeGreaterThan(20);
    const end = verifyExit(files, join(keys.new, 'checkpoint-signing.pub'));
    expect(end.out).toMatch(
      new RegExp(`^INTACT: 2 node\\(s\\) verified against checkpoint ${files.length} `),
    );
    expect(end.code).toBe(ExitCodes.ok);
    // …and they are really checked: an old-key checkpoint file edited after the fact breaks the chain.
    const oldFile = byKey.get(keys.old)?.[3] as string;
    const envelope = JSON.parse(readFileSync(oldFile, 'utf8'));
    envelope.signed = envelope.signed.replace(/"atMs":\d+/, '"atMs":0');
    writeFileSync(oldFile, JSON.stringify(envelope));
    const edited = verifyExit(files, join(keys.new, 'checkpoint-signing.pub'));
    expect(edited.code).toBe(ExitCodes.integrityBroken);
    expect(edited.out).toMatch(/checkpoint 4: the signature does not verify/);
  }, 120_000);
});
