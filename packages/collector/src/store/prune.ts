import type { BatchReads, BatchRef } from './batch-reads.ts';
import type { SqliteDatabase } from './db.ts';
import type { ForwardRows } from './forward-rows.ts';
import type { HourlySummaries } from './hourly-summaries.ts';
import { createPrunedRangeChain } from './pruned-range-chain.ts';

/**
 * The only code that deletes batches, their sample blocks and their events, and the only writer
 * of pruned_ranges. Policies (forward/quota.ts, evidence/retention.ts) decide what is due and hand
 * a plan here; one plan is one transaction.
 *
 * Invariant: a node's hash chain verifies after any prune. Batches go whole, and every
 * chain-contiguous run of a node's pruned batches is recorded with the prev_hash of its first
 * batch and the hash of its last, the policy and the setting that made it due, so the verifier
 * (replay/verify-chain.ts) steps over each hole and checks its edges. A run that directly follows
 * the node's last range of the same policy and setting extends it, so a year of pruning leaves a
 * handful of rows, not one per chunk (runs split by kept batches, e.g. metric detail pruned
 * before the node's logs, stay one row each).
 *
 * Every range row is chained (store/pruned-range-chain.ts) in the prune's transaction, and a
 * signed checkpoint carries the chain's head. Extending a range rewrites it in place, so its link
 * and those of the rows after it (typically the other nodes' ranges of the last prune) are
 * rehashed: the next checkpoint signs the new head; one signed before the extension would not
 * cover the longer range anyway (a prune after the reference checkpoint is never proven).
 */
export interface PrunePlan {
  /** Who asked: recorded as the range's reason. */
  policy: 'retention' | 'quota';
  /** The config settings, with their values, that made these batches due (e.g. `storage.maxBytes=1000000`). */
  setting: string;
  /** The batches to remove, in id order. */
  batches: readonly BatchRef[];
  /** Fold metric batches into hourly summaries and node activity first (evidence keeps coverage). */
  keepHourlySummaries: boolean;
  /**
   * Sinks whose cursors must pass the pruned batches (the hard quota drops unforwarded data):
   * each sink's unforwarded batches among them are recorded in forward_drops and reported.
   */
  dropUnforwardedFor?: readonly string[];
  nowMs: number;
}

export interface PruneResult {
  metricBatches: number;
  logBatches: number;
  events: number;
  /** Per sink, batches it had not forwarded (only with dropUnforwardedFor). */
  dropped: Array<{ sink: string; batches: number }>;
}

export type Prune = (plan: PrunePlan) => PruneResult;

interface Link {
  id: number;
  seq: number | null;
  received_at_ms: number;
  prev_hash: string;
  hash: string;
}

export function createPrune(
  db: SqliteDatabase,
  deps: { batches: BatchReads; forward: ForwardRows; summaries: HourlySummaries },
): Prune {
  const chain = createPrunedRangeChain(db);
  const statements = {
    nodeLinks: db.prepare(
      'SELECT id, seq, received_at_ms, prev_hash, hash FROM batches WHERE node_id = ? AND id BETWEEN ? AND ? ORDER BY id',
    ),
    lastRange: db.prepare(
      `SELECT r.id, r.last_hash, r.reason, s.setting FROM pruned_ranges r LEFT JOIN pruned_range_settings s ON s.range_id = r.id
       WHERE r.node_id = ? ORDER BY r.to_batch_id DESC LIMIT 1`,
    ),
    extendRange: db.prepare(
      `UPDATE pruned_ranges SET to_batch_id = ?, batch_count = batch_count + ?, min_seq = min(coalesce(min_seq, ?), ?),
         max_seq = max(coalesce(max_seq, ?), ?), max_received_at_ms = max(max_received_at_ms, ?), last_hash = ?, pruned_at_ms = ?
       WHERE id = ?`,
    ),
    insertRange: db.prepare(
      `INSERT INTO pruned_ranges (node_id, from_batch_id, to_batch_id, batch_count, min_seq, max_seq, min_received_at_ms,
         max_received_at_ms, first_prev_hash, last_hash, reason, pruned_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertSetting: db.prepare('INSERT INTO pruned_range_settings (range_id, setting) VALUES (?, ?)'),
    // events.id grows with batch_id (both are written in the ingest transaction): every event of
    // the pruned batches lies below the first event of a later batch, so the scan stops there.
    eventUpper: db.prepare('SELECT id FROM events WHERE batch_id > ? ORDER BY id LIMIT 1').pluck(),
    deleteEvents: db.prepare(
      'DELETE FROM events WHERE id < ? AND batch_id IN (SELECT value FROM json_each(?))',
    ),
    deleteBlock: db.prepare('DELETE FROM sample_blocks WHERE batch_id = ?'),
    deleteBatch: db.prepare('DELETE FROM batches WHERE id = ?'),
    insertDrop: db.prepare(
      'INSERT INTO forward_drops (sink, from_batch_id, to_batch_id, batches, reason, at_ms) VALUES (?, ?, ?, ?, ?, ?)',
    ),
  };

  const recordRun = (nodeId: string, run: Link[], plan: PrunePlan) => {
    const first = run[0];
    const last = run[run.length - 1];
    if (first === undefined || last === undefined) {
      return;
    }
    const seqs = run.map((link) => link.seq).filter((seq): seq is number => seq !== null);
    const minSeq = seqs.length === 0 ? null : Math.min(...seqs);
    const maxSeq = seqs.length === 0 ? null : Math.max(...seqs);
    const minAt = Math.min(...run.map((link) => link.received_at_ms));
    const maxAt = Math.max(...run.map((link) => link.received_at_ms));
    const previous = statements.lastRange.get(nodeId) as
      | { id: number; last_hash: string; reason: string; setting: string | null }
      | undefined;
    if (
      previous !== undefined &&
      previous.reason === plan.policy &&
      previous.setting === plan.setting &&
      previous.last_hash === first.prev_hash
    ) {
      statements.extendRange.run(
        last.id,
        run.length,
        minSeq,
        minSeq,
        maxSeq,
        maxSeq,
        maxAt,
        last.hash,
        plan.nowMs,
        previous.id,
      );
      chain.relinkFrom(previous.id);
      return;
    }
    const inserted = statements.insertRange.run(
      nodeId,
      first.id,
      last.id,
      run.length,
      minSeq,
      maxSeq,
      minAt,
      maxAt,
      first.prev_hash,
      last.hash,
      plan.policy,
      plan.nowMs,
    );
    statements.insertSetting.run(inserted.lastInsertRowid, plan.setting);
    chain.link(Number(inserted.lastInsertRowid));
  };

  /** Each node's chain-contiguous runs of pruned batches: a kept batch, or an earlier hole, ends a run. */
  const recordRanges = (plan: PrunePlan) => {
    const pruned = new Set(plan.batches.map((batch) => batch.id));
    const nodes = new Map<string, { min: number; max: number }>();
    for (const batch of plan.batches) {
      const node = nodes.get(batch.nodeId);
      nodes.set(batch.nodeId, {
        min: Math.min(node?.min ?? batch.id, batch.id),
        max: Math.max(node?.max ?? batch.id, batch.id),
      });
    }
    for (const [nodeId, { min, max }] of nodes) {
      let run: Link[] = [];
      for (const link of statements.nodeLinks.all(nodeId, min, max) as Link[]) {
        const previous = run[run.length - 1];
        if (!pruned.has(link.id) || (previous !== undefined && link.prev_hash !== previous.hash)) {
          recordRun(nodeId, run, plan);
          run = [];
        }
        if (pruned.has(link.id)) {
          run.push(link);
        }
      }
      recordRun(nodeId, run, plan);
    }
  };

  const dropFor = (sinks: readonly string[], upTo: number, nowMs: number) => {
    const first = deps.batches.firstId() ?? upTo;
    const dropped: PruneResult['dropped'] = [];
    for (const sink of sinks) {
      const cursor = deps.forward.cursor(sink);
      if (cursor >= upTo) {
        continue;
      }
      const lost = deps.batches.countBetween(cursor, upTo);
      if (lost > 0) {
        statements.insertDrop.run(sink, Math.max(first, cursor + 1), upTo, lost, 'hard_quota', nowMs);
        dropped.push({ sink, batches: lost });
      }
      deps.forward.moveCursorPast(sink, upTo, nowMs);
    }
    return dropped;
  };

  const prune = db.transaction((plan: PrunePlan): PruneResult => {
    const result: PruneResult = { metricBatches: 0, logBatches: 0, events: 0, dropped: [] };
    const last = plan.batches[plan.batches.length - 1];
    if (last === undefined) {
      return result;
    }
    if (plan.dropUnforwardedFor !== undefined) {
      result.dropped = dropFor(plan.dropUnforwardedFor, last.id, plan.nowMs);
    }
    const metrics = plan.batches.filter((batch) => batch.signal === 'metrics');
    if (plan.keepHourlySummaries) {
      deps.summaries.fold(metrics);
    }
    recordRanges(plan);
    const upper = (statements.eventUpper.get(last.id) as number | undefined) ?? Number.MAX_SAFE_INTEGER;
    const withEvents = plan.batches.filter((batch) => batch.signal !== 'metrics').map((batch) => batch.id);
    if (withEvents.length > 0) {
      result.events = statements.deleteEvents.run(upper, JSON.stringify(withEvents)).changes;
    }
    for (const batch of plan.batches) {
      statements.deleteBlock.run(batch.id);
      statements.deleteBatch.run(batch.id);
    }
    result.metricBatches = metrics.length;
    result.logBatches = plan.batches.length - metrics.length;
    return result;
  });
  return (plan) => prune.immediate(plan);
}
