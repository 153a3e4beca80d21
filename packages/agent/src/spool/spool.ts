import { randomUUID } from 'node:crypto';
import { createUnsyncedWrite, openSpoolDatabase } from './open-database.ts';
import type {
  DeadLetter,
  OpenSpoolOptions,
  OverflowReport,
  Spool,
  SpoolCursor,
  SpooledBatch,
  SpoolSignal,
} from './types.ts';

/**
 * The agent's write-ahead buffer between the OTel SDK and the shipper.
 * Invariants, and why:
 * - `append` returns only after the row is committed (WAL, synchronous=FULL), so an exporter that
 *   reports success has made the data durable: nothing acknowledged lives only in memory.
 * - seq comes from AUTOINCREMENT: strictly increasing, never reused, so (stream, seq) identifies
 *   one batch forever and the collector can dedup retries and see gaps.
 * - Rows leave only by `remove` (after a 2xx), `deadLetter` (moved, not lost) or the byte cap.
 *   `remove` skips the fsync (createUnsyncedWrite): on power loss an acknowledged batch may come
 *   back and be sent again, which the collector's (stream, seq) dedup answers as already stored.
 *   The cap drops dead letters first, then the oldest batches, never the row just written; every
 *   drop is counted in `meta` (persisted) and reported through `onOverflow`. Loss is never silent.
 */
interface BatchRow {
  seq: number;
  signal: SpoolSignal;
  created_at_ms: number;
  body: Buffer;
  bytes: number;
}

export function openSpool(options: OpenSpoolOptions): Spool {
  const { path, maxBytes, clock, onOverflow } = options;
  const db = openSpoolDatabase({ path, busyTimeoutMs: options.busyTimeoutMs ?? 2000 });
  const unsynced = createUnsyncedWrite(db);
  const readMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const writeMeta = db.prepare<[string, string]>(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const metaNumber = (key: string) => Number(readMeta.get(key)?.value ?? 0);
  let streamId = readMeta.get('stream_id')?.value;
  if (streamId === undefined) {
    streamId = randomUUID();
    writeMeta.run('stream_id', streamId);
  }

  const insert = db.prepare<[SpoolSignal, number, Uint8Array, number]>(
    'INSERT INTO batches (signal, created_at_ms, body, bytes) VALUES (?, ?, ?, ?)',
  );
  const oldest = db.prepare<[number], BatchRow>('SELECT * FROM batches ORDER BY seq LIMIT ?');
  const batchSize = db.prepare<[number], { bytes: number }>('SELECT bytes FROM batches WHERE seq = ?');
  const deleteBatch = db.prepare<[number]>('DELETE FROM batches WHERE seq = ?');
  const moveToDeadLetter = db.prepare<[number, number, string, number]>(
    `INSERT OR REPLACE INTO dead_letter (seq, signal, created_at_ms, dead_at_ms, status, reason, body, bytes)
     SELECT seq, signal, created_at_ms, ?, ?, ?, body, bytes FROM batches WHERE seq = ?`,
  );
  const listDead = db.prepare<[number], BatchRow & { dead_at_ms: number; status: number; reason: string }>(
    'SELECT * FROM dead_letter ORDER BY seq LIMIT ?',
  );
  const sizes = db.prepare<[], { n: number; b: number | null; oldest: number | null }>(
    'SELECT count(*) AS n, sum(bytes) AS b, min(created_at_ms) AS oldest FROM batches',
  );
  const deadSizes = db.prepare<[], { n: number; b: number | null }>(
    'SELECT count(*) AS n, sum(bytes) AS b FROM dead_letter',
  );
  const oldestBatchSizes = db.prepare<[number], { seq: number; bytes: number }>(
    'SELECT seq, bytes FROM batches WHERE seq < ? ORDER BY seq',
  );
  const oldestDeadSizes = db.prepare<[], { seq: number; bytes: number }>(
    'SELECT seq, bytes FROM dead_letter ORDER BY seq',
  );
  const readCursor = db.prepare<[string], { value: string }>('SELECT value FROM cursors WHERE name = ?');
  const writeCursor = db.prepare<[string, string, number]>(
    `INSERT INTO cursors (name, value, updated_at_ms) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms`,
  );
  const staged = new Map<string, string>();
  const deleteBatchesUpTo = db.prepare<[number]>('DELETE FROM batches WHERE seq <= ?');
  const deleteDeadUpTo = db.prepare<[number]>('DELETE FROM dead_letter WHERE seq <= ?');

  let totalBytes = (sizes.get()?.b ?? 0) + (deadSizes.get()?.b ?? 0);
  let inFlight: number | null = null;
  const listeners = new Set<(seq: number) => void>();

  /** Drops oldest rows (dead letters first) until the total fits; runs inside the append. */
  const enforceCap = (keepSeq: number): OverflowReport | undefined => {
    const report: OverflowReport = { droppedBatches: 0, droppedBytes: 0, droppedDeadLetters: 0 };
    let lastDead: number | undefined;
    for (const row of oldestDeadSizes.iterate()) {
      if (totalBytes <= maxBytes) break;
      totalBytes -= row.bytes;
      report.droppedDeadLetters += 1;
      report.droppedBytes += row.bytes;
      lastDead = row.seq;
    }
    if (lastDead !== undefined) deleteDeadUpTo.run(lastDead);
    const dropped: number[] = [];
    for (const row of oldestBatchSizes.iterate(keepSeq)) {
      if (totalBytes <= maxBytes) break;
      // The batch on the wire is not dropped: the collector may be committing it right now, and
      // counting it as lost would then be a lie (the next oldest goes instead).
      if (row.seq === inFlight) continue;
      dropped.push(row.seq);
      totalBytes -= row.bytes;
      report.droppedBatches += 1;
      report.droppedBytes += row.bytes;
      report.firstSeq ??= row.seq;
      report.lastSeq = row.seq;
    }
    if (inFlight === null || report.lastSeq === undefined || inFlight > report.lastSeq) {
      if (report.lastSeq !== undefined) deleteBatchesUpTo.run(report.lastSeq);
    } else {
      for (const seq of dropped) deleteBatch.run(seq);
    }
    if (report.droppedBytes === 0) return undefined;
    writeMeta.run('dropped_batches', String(metaNumber('dropped_batches') + report.droppedBatches));
    writeMeta.run(
      'dropped_dead_letters',
      String(metaNumber('dropped_dead_letters') + report.droppedDeadLetters),
    );
    writeMeta.run('dropped_bytes', String(metaNumber('dropped_bytes') + report.droppedBytes));
    return report;
  };

  const appendTx = db.transaction(
    (signal: SpoolSignal, body: Uint8Array, cursors: readonly SpoolCursor[]) => {
      const seq = Number(insert.run(signal, clock.nowMs(), body, body.byteLength).lastInsertRowid);
      for (const cursor of cursors) writeCursor.run(cursor.name, cursor.value, clock.nowMs());
      totalBytes += body.byteLength;
      const report = totalBytes > maxBytes ? enforceCap(seq) : undefined;
      return { seq, report };
    },
  );

  const deadLetterTx = db.transaction((seq: number, status: number, reason: string) => {
    if (moveToDeadLetter.run(clock.nowMs(), status, reason, seq).changes === 0) return false;
    deleteBatch.run(seq);
    return true;
  });

  return {
    path,
    streamId,
    append(signal, body, cursors = []) {
      const all =
        signal === 'logs' && staged.size > 0
          ? [...[...staged].map(([name, value]) => ({ name, value })), ...cursors]
          : cursors;
      const { seq, report } = appendTx.immediate(signal, body, all);
      if (all !== cursors) staged.clear();
      if (report) onOverflow?.(report);
      for (const listener of listeners) listener(seq);
      return seq;
    },
    markInFlight(seq) {
      inFlight = seq;
    },
    readCursor(name) {
      return readCursor.get(name)?.value ?? null;
    },
    stageCursor(name, value) {
      staged.set(name, value);
    },
    writeCursor(name, value) {
      writeCursor.run(name, value, clock.nowMs());
    },
    peekOldest(limit) {
      return oldest.all(limit).map(toBatch);
    },
    remove(seq) {
      const removed = batchSize.get(seq);
      if (!removed) return false;
      unsynced(() => deleteBatch.run(seq));
      totalBytes -= removed.bytes;
      return true;
    },
    deadLetter(seq, status, reason) {
      return deadLetterTx.immediate(seq, status, reason);
    },
    listDeadLetters(limit) {
      return listDead.all(limit).map(
        (row): DeadLetter => ({
          ...toBatch(row),
          deadAtMs: row.dead_at_ms,
          status: row.status,
          reason: row.reason,
        }),
      );
    },
    stats() {
      const live = sizes.get();
      const dead = deadSizes.get();
      return {
        batches: live?.n ?? 0,
        bytes: live?.b ?? 0,
        deadLetters: dead?.n ?? 0,
        deadLetterBytes: dead?.b ?? 0,
        droppedBatches: metaNumber('dropped_batches'),
        droppedBytes: metaNumber('dropped_bytes'),
        droppedDeadLetters: metaNumber('dropped_dead_letters'),
        oldestAgeMs: live?.oldest == null ? null : Math.max(0, clock.nowMs() - live.oldest),
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    maintain() {
      if ((db.pragma('freelist_count', { simple: true }) as number) > 256) {
        db.pragma('incremental_vacuum');
      }
      if ((sizes.get()?.n ?? 0) === 0) {
        db.pragma('wal_checkpoint(TRUNCATE)');
      }
    },
    close() {
      listeners.clear();
      if (db.open) db.close();
    },
  };
}

function toBatch(row: BatchRow): SpooledBatch {
  return {
    seq: row.seq,
    signal: row.signal,
    createdAtMs: row.created_at_ms,
    body: row.body,
    bytes: row.bytes,
  };
}
