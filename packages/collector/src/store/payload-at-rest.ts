import { Worker } from 'node:worker_threads';
import { digestPayload, digestPayloadOffThread } from '@perimeter/schema';
import { compressAndDigest } from './payload-compression.ts';

/**
 * How a batch's bytes are kept: what came over the wire, gzip-compressed by the collector when it
 * came uncompressed. `gunzip(payload)` always gives back the exact request body, and the chain's
 * payload digest is of the stored bytes, so `verify` checks them as they are.
 *
 * Why compress: an uncompressed OTLP/JSON request of 1,000 points is ~190 KB and gzip level 1 makes
 * it ~13 KB in ~0.25 ms. Written raw, it was the largest part of the ingest commit (every byte goes
 * to the WAL and again into the database file at checkpoint), and 14 times the disk.
 *
 * Where: on one worker thread (payload-at-rest-worker.ts), while the ingest thread decodes the
 * same body. Measured under load, zlib's async API and WebCrypto's digest took ~3.7 ms (p50) to
 * hand back a result that costs 0.25 ms of CPU: each of their trips to the thread pool waited for
 * the ingest thread to be free before the next could start. The worker answers in one message.
 */
export interface PayloadAtRest {
  payload: Uint8Array;
  contentEncoding: 'identity' | 'gzip';
  payloadDigest: string;
}

export type Compressed = { payload: Uint8Array | null; payloadDigest: string };
type Reply = { id: number; payload?: Uint8Array | null; payloadDigest?: string; error?: string };

export interface PayloadCompressor {
  compress(wire: Uint8Array): Promise<Compressed>;
}

/**
 * The worker, started on first use and held (ref'd) only while a body is in it, so it never keeps
 * a finished process alive. Should it fail to start or die, the bodies it held and every later one
 * are compressed on the calling thread: slower, nothing lost. `workerUrl`: tests give one that dies.
 */
export function createPayloadCompressor(
  workerUrl: URL = new URL('./payload-at-rest-worker.ts', import.meta.url),
): PayloadCompressor {
  let worker: Worker | undefined;
  let unavailable = false;
  let nextId = 1;
  type Job = { wire: Uint8Array; resolve(result: Compressed): void; reject(error: unknown): void };
  const pending = new Map<number, Job>();

  const inline = (job: Job) => {
    try {
      job.resolve(compressAndDigest(job.wire));
    } catch (error) {
      job.reject(error);
    }
  };

  const abandon = (error?: Error) => {
    if (unavailable) return;
    unavailable = true;
    worker = undefined;
    process.emitWarning(
      `the payload worker stopped${error ? ` (${error.message})` : ''}; request bodies are compressed on the ingest thread from now on`,
      { code: 'PERIMETER_PAYLOAD_WORKER' },
    );
    for (const [id, job] of pending) {
      pending.delete(id);
      inline(job);
    }
  };

  const started = (): Worker | undefined => {
    if (worker !== undefined || unavailable) return worker;
    try {
      worker = new Worker(workerUrl);
    } catch (error) {
      abandon(error as Error);
      return undefined;
    }
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const job = pending.get(reply.id);
      if (job === undefined) return;
      pending.delete(reply.id);
      if (pending.size === 0) worker?.unref();
      if (reply.error !== undefined || reply.payloadDigest === undefined) {
        inline(job);
        return;
      }
      // better-sqlite3 binds Buffers: a view over the received bytes, no copy.
      const payload = reply.payload
        ? Buffer.from(reply.payload.buffer, reply.payload.byteOffset, reply.payload.byteLength)
        : null;
      job.resolve({ payload, payloadDigest: reply.payloadDigest });
    });
    worker.on('error', abandon);
    worker.on('exit', () => abandon());
    return worker;
  };

  return {
    compress(wire: Uint8Array): Promise<Compressed> {
      return new Promise((resolve, reject) => {
        const target = started();
        if (target === undefined) {
          inline({ wire, resolve, reject });
          return;
        }
        const id = nextId++;
        pending.set(id, { wire, resolve, reject });
        if (pending.size === 1) target.ref();
        // A copy the worker owns: the caller goes on decoding `wire` meanwhile.
        const body = new Uint8Array(wire);
        target.postMessage({ id, body }, [body.buffer]);
      });
    },
  };
}

/** Below this a gzip header and trailer (18 bytes) are not worth a trip to the worker. */
const MIN_COMPRESSIBLE_BYTES = 512;
/** Up to this size a body kept as it came is hashed on the calling thread: ~0.15 ms, less than a hop. */
const MAX_INLINE_DIGEST_BYTES = 256 * 1024;

const compressor = createPayloadCompressor();

export async function payloadAtRest(
  wire: Uint8Array,
  wireEncoding: 'identity' | 'gzip',
): Promise<PayloadAtRest> {
  if (wireEncoding === 'identity' && wire.byteLength >= MIN_COMPRESSIBLE_BYTES) {
    const { payload, payloadDigest } = await compressor.compress(wire);
    // Data that does not compress (already random) is kept as it came.
    return payload === null
      ? { payload: wire, contentEncoding: 'identity', payloadDigest }
      : { payload, contentEncoding: 'gzip', payloadDigest };
  }
  const payloadDigest =
    wire.byteLength <= MAX_INLINE_DIGEST_BYTES ? digestPayload(wire) : await digestPayloadOffThread(wire);
  return { payload: wire, contentEncoding: wireEncoding, payloadDigest };
}
