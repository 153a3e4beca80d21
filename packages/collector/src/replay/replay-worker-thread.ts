import { parentPort } from 'node:worker_threads';
import { openStoreFile, type StoreFile } from '../store/store-file.ts';
import { readReplayVerified } from './replay.ts';
import type { ReplayWindow } from './types.ts';

/**
 * The worker side of replay-worker.ts: one read-only connection to the store (WAL readers never
 * block the collector's writes), one request at a time, answers posted back by id.
 */
export interface WorkerRequest {
  id: number;
  dataDir: string;
  nodeId: string;
  window: ReplayWindow;
  nowMs: number;
}

let store: StoreFile | undefined;
let openDataDir: string | undefined;

parentPort?.on('message', (request: WorkerRequest) => {
  try {
    if (store === undefined || openDataDir !== request.dataDir) {
      store?.close();
      store = openStoreFile({ dataDir: request.dataDir, readonly: true, busyTimeoutMs: 5_000 });
      openDataDir = request.dataDir;
    }
    const result = readReplayVerified(store, {
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
