import type { SqliteDatabase } from './db.ts';

/**
 * Sample blocks read back: one batch's block (remote write), and every block after a batch id in
 * id order (the alert window reads incrementally). Blocks are encoded by store/sample-block.ts.
 */
export interface SampleReads {
  blockOfBatch(batchId: number): Uint8Array | undefined;
  blocksAfter(batchId: number): IterableIterator<{ batchId: number; samples: Uint8Array }>;
}

export function createSampleReads(db: SqliteDatabase): SampleReads {
  const ofBatch = db.prepare('SELECT samples FROM sample_blocks WHERE batch_id = ?').pluck();
  const after = db.prepare(
    'SELECT batch_id AS batchId, samples FROM sample_blocks WHERE batch_id > ? ORDER BY batch_id',
  );
  return {
    blockOfBatch: (batchId) => ofBatch.get(batchId) as Uint8Array | undefined,
    blocksAfter: (batchId) =>
      after.iterate(batchId) as IterableIterator<{ batchId: number; samples: Uint8Array }>,
  };
}
