import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './db.ts';

/**
 * WAL checkpoints off the ingest thread. The writer's automatic checkpoint is turned off and a
 * worker thread checkpoints every `intervalMs` instead. Should the worker die or fall behind, the
 * writer notices the WAL growing past `maxWalBytes` and checkpoints itself, so the WAL stays
 * bounded either way (SQLite's "checkpoint starvation" note).
 */
export interface Checkpointer {
  /** Call after each commit; cheap (a stat every `checkEvery` calls). */
  afterCommit(): void;
  stop(): Promise<void>;
}

export function startCheckpointer(
  db: SqliteDatabase,
  options: { intervalMs?: number; maxWalBytes?: number; onError?: (message: string) => void } = {},
): Checkpointer {
  const walPath = `${db.name}-wal`;
  const maxWalBytes = options.maxWalBytes ?? 256 * 1024 * 1024;
  db.pragma('wal_autocheckpoint = 0');
  // Under a steady stream of commits the worker's checkpoints never catch up with the last frame,
  // so the WAL does not restart and grows until the writer checkpoints itself (below). The file
  // would then stay at its high-water size and every 64th commit would checkpoint again: a size
  // limit truncates it when it restarts, so the size says again how far behind checkpoints are.
  db.pragma(`journal_size_limit = ${Math.floor(maxWalBytes / 4)}`);
  const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), {
    workerData: { path: db.name, intervalMs: options.intervalMs ?? 1000 },
  });
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error) {
      options.onError?.(message.error);
    }
  });
  worker.on('error', (error) => options.onError?.(error.message));
  let commits = 0;
  return {
    afterCommit() {
      if (++commits % 64 !== 0) {
        return;
      }
      let walBytes = 0;
      try {
        walBytes = statSync(walPath).size;
      } catch {
        return;
      }
      if (walBytes > maxWalBytes) {
        db.pragma('wal_checkpoint(PASSIVE)');
      }
    },
    async stop() {
      worker.postMessage({ stop: true });
      await new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        setTimeout(() => {
          void worker.terminate().then(() => resolve());
        }, 2000).unref();
      });
      db.pragma('wal_autocheckpoint = 1000');
    },
  };
}
