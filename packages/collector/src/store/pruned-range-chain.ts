import type { SqliteDatabase } from './db.ts';
import { createRowChain, type RowChain } from './row-chain.ts';

/**
 * The per-row chain over pruned_ranges (schema 12): every column and the setting that made the
 * range due (pruned_range_settings), so a signed checkpoint (payload v3) carries the head and the
 * row count instead of every range. store/prune.ts links and extends; integrity-rows.ts reads.
 */
export function createPrunedRangeChain(db: SqliteDatabase): RowChain {
  return createRowChain(db, {
    table: 'pruned_ranges',
    links: 'pruned_range_links',
    columns: [
      'node_id',
      'from_batch_id',
      'to_batch_id',
      'batch_count',
      'min_seq',
      'max_seq',
      'min_received_at_ms',
      'max_received_at_ms',
      'first_prev_hash',
      'last_hash',
      'reason',
      'pruned_at_ms',
    ],
    derived: ['(SELECT s.setting FROM pruned_range_settings s WHERE s.range_id = t.id)'],
  });
}
