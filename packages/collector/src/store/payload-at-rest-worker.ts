import { parentPort } from 'node:worker_threads';
import { compressAndDigest, type PayloadJob } from './payload-compression.ts';

/**
 * The thread that compresses and hashes uncompressed request bodies for payload-at-rest.ts: one
 * message in, one message out per body, so a request waits for one hop instead of zlib's stream
 * trips and WebCrypto's, each of which needed the busy ingest thread in between.
 */
parentPort?.on('message', (job: PayloadJob) => {
  try {
    const { payload, payloadDigest } = compressAndDigest(job.body);
    parentPort?.postMessage({ id: job.id, payload, payloadDigest });
  } catch (error) {
    parentPort?.postMessage({ id: job.id, error: (error as Error).message });
  }
});
