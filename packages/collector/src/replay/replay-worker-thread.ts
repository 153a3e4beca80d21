import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { readReplayFromStore } from './store-source.ts';
import type { ReplayWindow } from './types.ts';

/**
 * The worker side of replay-worker.ts: one read-only connection to the store (WAL readers never
 * block the collector's writes), one request at a time, answers posted back by id.
 */
export interface WorkerRequest {
  id: number;
  path: string;
  nodeId: string;
  window: ReplayWindow;
  nowMs: number;
}

let db: Database.Database | undefined;
let openPath: string | undefined;

parentPort?.on('message', (request: WorkerRequest) => {
  try {
    if (db === undefined || openPath !== request.path) {
      db?.close();
      db = new Database(request.path, { readonly: true, fileMustExist: true, timeout: 5_000 });
      openPath = request.path;
    }
    const result = readReplayFromStore(db, {
      nodeId: request.nodeId,
      window: request.window,
      nowMs: () => request.nowMs,
    });
    parentPort?.postMessage({ id: request.id, result });
  } catch (error) {
    parentPort?.postMessage({
      id: request.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
