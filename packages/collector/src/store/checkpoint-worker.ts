import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * Copies committed WAL frames into the database file on its own thread and connection, so the
 * thread that commits ingest batches never pays for checkpoints (with 200 KB batches they cost
 * about a tenth of each commit). PASSIVE never blocks the writer; see checkpointer.ts.
 */
const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new Database(path, { timeout: 1000 });
db.pragma('wal_autocheckpoint = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.run();
  } catch (error) {
    parentPort?.postMessage({ error: (error as Error).message });
  }
}, intervalMs);

parentPort?.on('message', (message: { stop?: boolean }) => {
  if (message.stop) {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  }
});
