import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyNodeChain } from '../evidence/integrity.ts';
import { createQuota } from '../forward/quota.ts';
import { createTestCollector, postHourlyGauges, type TestCollector } from '../test-support/test-collector.ts';

/**
 * verify-chain.ts over a real SQLite store in a temp directory (no process spawned), walked as
 * replay and evidence walk it: an intact chain holds; an edited sample row, a deleted batch and
 * the newest batch removed each make it BROKEN at the right place; a range the forward quota
 * pruned is stepped over as a verified range.
 */
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

describe('the hash chain as verify-chain.ts walks it (real store)', () => {
  let collector: TestCollector;
  beforeEach(async () => {
    collector = createTestCollector();
    await postHourlyGauges(collector, 5, T0);
  });
  afterEach(() => collector.close());

  const verdict = () => verifyNodeChain(collector.store.chain, 'node-a');

  it('holds over every stored batch when nothing was touched', () => {
    expect(verdict()).toMatchObject({ ok: true, checked: 5, problems: [], pruned: [] });
    expect(verdict().summary).toMatch(/holds/);
  });

  it('is BROKEN at the batch whose sample row was edited, and only there', () => {
    const sqlite = collector.sqlite();
    const block = sqlite
      .prepare('SELECT samples FROM sample_blocks WHERE batch_id = 3')
      .pluck()
      .get() as Buffer;
    const edited = Buffer.from(block);
    edited.writeDoubleLE(99, 16);
    sqlite.prepare('UPDATE sample_blocks SET samples = ? WHERE batch_id = 3').run(edited);
    const after = verdict();
    expect(after.ok).toBe(false);
    expect(after.summary).toMatch(/BROKEN/);
    expect(after.problems.map((p) => [p.at, p.seq])).toEqual([['3', 3]]);
  });

  it('is BROKEN at the batch after a deleted one (its link names a batch no longer stored)', () => {
    const sqlite = collector.sqlite();
    sqlite.prepare('DELETE FROM sample_blocks WHERE batch_id = 3').run();
    sqlite.prepare('DELETE FROM batches WHERE id = 3').run();
    const after = verdict();
    expect(after.ok).toBe(false);
    expect(after.summary).toMatch(/BROKEN/);
    expect(after.problems.map((p) => p.at)).toEqual(['4']);
  });

  it('is BROKEN at the head when the newest batch is removed', () => {
    const sqlite = collector.sqlite();
    sqlite.prepare('DELETE FROM sample_blocks WHERE batch_id = 5').run();
    sqlite.prepare('DELETE FROM batches WHERE id = 5').run();
    expect(verdict()).toMatchObject({ ok: false, problems: [expect.objectContaining({ at: 'head' })] });
  });

  it('steps over the range the hard quota dropped as a verified pruned range', () => {
    const store = collector.store;
    const dropped: number[] = [];
    // Over maxBytes from the start (and a SQLite file does not shrink): every batch is dropped, and
    // the recorded range alone must explain the chain up to the node's head.
    const quota = createQuota(
      store,
      collector.dataDir,
      { retentionMs: 0, maxBytes: store.space.usedBytes() - 1, minFreeBytes: 0 },
      (_sink, batches) => dropped.push(batches),
      () => Number.MAX_SAFE_INTEGER,
    );
    const result = quota.enforce(['upstream'], T0 + 5 * HOUR);
    expect(result.dropped).toBeGreaterThan(0);
    const after = verdict();
    expect(after.ok).toBe(true);
    expect(after.checked).toBe(5 - result.dropped);
    expect(after.pruned).toEqual([
      expect.objectContaining({
        fromBatchId: 1,
        toBatchId: result.dropped,
        reason: 'quota',
        linkVerified: true,
      }),
    ]);
    // Every drop is counted for the sink that had not forwarded it.
    expect(dropped.reduce((sum, n) => sum + n, 0)).toBe(result.dropped);
  });
});
