import { createHash } from 'node:crypto';
import type { SqliteDatabase } from './db.ts';
import { createPrunedRangeChain } from './pruned-range-chain.ts';
import type { ChainedRow, ChainHead } from './row-chain.ts';
import type { SeriesRow } from './series-index.ts';

/**
 * What a signed checkpoint commits to and what `verify` compares it with (integrity/): each node's
 * head and batch counts, digests of series metadata and tokens, the pruned ranges with the setting
 * that made each due, and the checkpoints themselves. Read-only except `saveCheckpoint`.
 */
export interface NodeCheckpointState {
  nodeId: string;
  head: string;
  lastBatchId: number | null;
  storedBatches: number;
}

export interface PrunedRangeRecord {
  nodeId: string;
  fromBatchId: number;
  toBatchId: number;
  batchCount: number;
  maxReceivedAtMs: number;
  firstPrevHash: string;
  lastHash: string;
  reason: string;
  setting: string | null;
  prunedAtMs: number;
}

/** A pruned range as stored: its row id orders the pruned_ranges chain. */
export interface StoredPrunedRange extends PrunedRangeRecord {
  id: number;
}

export interface TokenRecord {
  id: string;
  digest: string;
  revokedAtMs: number | null;
}

/** The checkpoint payload versions (integrity/checkpoint.ts) whose token digests differ. */
export type TokenDigestVersion = 1 | 2 | 3;

export interface StoredCheckpoint {
  seq: number;
  atMs: number;
  hash: string;
  signedJson: string;
}

export interface IntegrityRows {
  nodes(): NodeCheckpointState[];
  /** The batch's stored hash, or undefined when no such batch of the node is stored. */
  batchHash(nodeId: string, batchId: number): string | undefined;
  /** Stored batches of the node with id at most `upTo`. */
  storedBatchesUpTo(nodeId: string, upTo: number): number;
  maxSeriesId(): number;
  /** SHA-256 over series names, units, kinds and labels of every series with id ≤ maxId, in id order. */
  seriesDigest(maxId: number): string;
  /** The series rows with id ≤ maxId, for naming which one changed. */
  seriesRows(maxId: number): Array<{ id: number; line: string }>;
  prunedRanges(): StoredPrunedRange[];
  /** Pruned batches per node, for each node's signed batch count. */
  prunedBatchesByNode(): Map<string, number>;
  /** The pruned_ranges chain's head and its row count: what a checkpoint (payload v3) signs. */
  prunedChain(): { head: ChainHead; count: number };
  /** Every pruned range row with its link, oldest first, for the verifier. */
  prunedChainRows(): Iterable<ChainedRow>;
  /**
   * Each token's digest as checkpoint payload `version` signs it: from version 2 the digest covers
   * the expiry too (none or the time), so extending or removing a token's expiry breaks verify.
   */
  tokens(version: TokenDigestVersion): TokenRecord[];
  saveCheckpoint(checkpoint: StoredCheckpoint): void;
  latestCheckpoint(): StoredCheckpoint | undefined;
  checkpoints(): StoredCheckpoint[];
}

export function seriesLine(row: SeriesRow): string {
  return JSON.stringify([row.id, row.node_id, row.metric, row.unit, row.kind, row.attributes_json]);
}

export function createIntegrityRows(db: SqliteDatabase): IntegrityRows {
  const statements = {
    nodes: db.prepare(
      `SELECT n.node_id AS nodeId, n.chain_head AS head, n.last_batch_id AS lastBatchId,
         (SELECT count(*) FROM batches b WHERE b.node_id = n.node_id) AS storedBatches
       FROM nodes n ORDER BY n.node_id`,
    ),
    batchHash: db.prepare('SELECT hash FROM batches WHERE id = ? AND node_id = ?').pluck(),
    storedUpTo: db.prepare('SELECT count(*) FROM batches WHERE node_id = ? AND id <= ?').pluck(),
    maxSeries: db.prepare('SELECT coalesce(max(id), 0) FROM series').pluck(),
    series: db.prepare(
      'SELECT id, node_id, metric, unit, kind, attributes_json FROM series WHERE id <= ? ORDER BY id',
    ),
    pruned: db.prepare(
      `SELECT r.id, r.node_id AS nodeId, r.from_batch_id AS fromBatchId, r.to_batch_id AS toBatchId, r.batch_count AS batchCount,
         r.max_received_at_ms AS maxReceivedAtMs, r.first_prev_hash AS firstPrevHash, r.last_hash AS lastHash,
         r.reason, s.setting, r.pruned_at_ms AS prunedAtMs
       FROM pruned_ranges r LEFT JOIN pruned_range_settings s ON s.range_id = r.id ORDER BY r.node_id, r.from_batch_id`,
    ),
    prunedByNode: db.prepare('SELECT node_id, sum(batch_count) FROM pruned_ranges GROUP BY node_id').raw(),
    prunedCount: db.prepare('SELECT count(*) FROM pruned_ranges').pluck(),
    tokens: db.prepare(
      `SELECT t.id, t.node_id, t.role, t.secret_sha256, t.created_at_ms, t.revoked_at_ms, e.expires_at_ms
       FROM tokens t LEFT JOIN token_expiry e ON e.token_id = t.id ORDER BY t.id`,
    ),
    saveCheckpoint: db.prepare('INSERT INTO checkpoints (seq, at_ms, hash, signed_json) VALUES (?, ?, ?, ?)'),
    latest: db.prepare(
      'SELECT seq, at_ms AS atMs, hash, signed_json AS signedJson FROM checkpoints ORDER BY seq DESC LIMIT 1',
    ),
    all: db.prepare(
      'SELECT seq, at_ms AS atMs, hash, signed_json AS signedJson FROM checkpoints ORDER BY seq',
    ),
  };
  const prunedChain = createPrunedRangeChain(db);
  return {
    nodes: () => statements.nodes.all() as NodeCheckpointState[],
    batchHash: (nodeId, batchId) => statements.batchHash.get(batchId, nodeId) as string | undefined,
    storedBatchesUpTo: (nodeId, upTo) => statements.storedUpTo.get(nodeId, upTo) as number,
    maxSeriesId: () => statements.maxSeries.get() as number,
    seriesDigest(maxId) {
      const hash = createHash('sha256');
      for (const row of statements.series.iterate(maxId) as IterableIterator<SeriesRow>) {
        hash.update(seriesLine(row)).update('\n');
      }
      return hash.digest('hex');
    },
    seriesRows: (maxId) =>
      (statements.series.all(maxId) as SeriesRow[]).map((row) => ({ id: row.id, line: seriesLine(row) })),
    prunedRanges: () => statements.pruned.all() as StoredPrunedRange[],
    prunedBatchesByNode: () => new Map(statements.prunedByNode.all() as Array<[string, number]>),
    prunedChain: () => ({ head: prunedChain.head(), count: statements.prunedCount.get() as number }),
    prunedChainRows: () => prunedChain.rows(),
    tokens: (version) =>
      (
        statements.tokens.all() as Array<{
          id: string;
          node_id: string;
          role: string;
          secret_sha256: string;
          created_at_ms: number;
          revoked_at_ms: number | null;
          expires_at_ms: number | null;
        }>
      ).map((row) => ({
        id: row.id,
        // The fields a token never changes (expiry is set at creation); revocation is kept beside,
        // as it may come later. Version 1 checkpoints signed the digest without the expiry.
        digest: createHash('sha256')
          .update(
            [
              row.id,
              row.node_id,
              row.role,
              row.secret_sha256,
              row.created_at_ms,
              ...(version === 1 ? [] : [row.expires_at_ms === null ? 'never' : row.expires_at_ms]),
            ].join('\u001f'),
          )
          .digest('hex'),
        revokedAtMs: row.revoked_at_ms,
      })),
    saveCheckpoint: (checkpoint) => {
      statements.saveCheckpoint.run(checkpoint.seq, checkpoint.atMs, checkpoint.hash, checkpoint.signedJson);
    },
    latestCheckpoint: () => statements.latest.get() as StoredCheckpoint | undefined,
    checkpoints: () => statements.all.all() as StoredCheckpoint[],
  };
}
