import { Worker } from 'node:worker_threads';
import type { WorkerRequest } from './replay-worker-thread.ts';
import type { StoreReplayOptions, StoreReplayResult } from './store-source.ts';

/**
 * Replay for the running collector (the timeline API and the console's node page) off the main
 * thread. Verifying a node's chain walks every batch it ever sent (about half a second for a day
 * at 10 s); on the main thread that would stall ingest for every node while an investigator looks.
 * One worker, started on first use and kept, answers requests in order over its own read-only
 * connection. The CLI stays synchronous: it has nothing else to serve.
 */
export interface ReplayReader {
  read(options: Omit<StoreReplayOptions, 'onProgress'>): Promise<StoreReplayResult>;
  close(): Promise<void>;
}

type Pending = { resolve(result: StoreReplayResult): void; reject(error: Error): void };

export function createReplayReader(dataDir: string): ReplayReader {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const failAll = (error: Error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    worker = undefined;
  };
  const start = () => {
    const started = new Worker(new URL('./replay-worker-thread.ts', import.meta.url));
    started.unref();
    started.on('message', (message: { id: number; result?: StoreReplayResult; error?: string }) => {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else if (message.result !== undefined) waiter?.resolve(message.result);
    });
    started.on('error', (error) => failAll(error));
    started.on('exit', (code) => failAll(new Error(`replay worker exited with ${code}`)));
    return started;
  };
  return {
    read(options) {
      // An in-memory store (tests) has no file a second connection could open.
      worker ??= start();
      const id = nextId++;
      const request: WorkerRequest = {
        id,
        dataDir,
        nodeId: options.nodeId,
        window: options.window,
        nowMs: options.nowMs(),
      };
      return new Promise<StoreReplayResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker?.postMessage(request);
      });
    },
    async close() {
      const running = worker;
      worker = undefined;
      await running?.terminate();
    },
  };
}
