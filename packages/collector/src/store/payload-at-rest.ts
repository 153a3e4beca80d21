import { constants, gzip } from 'node:zlib';
import { digestPayloadOffThread } from '@perimeter/schema';

/**
 * How a batch's bytes are kept: what came over the wire, gzip-compressed by the collector when it
 * came uncompressed. `gunzip(payload)` always gives back the exact request body, and the chain's
 * payload digest is of the stored bytes, so `verify` checks them as they are. Both steps run on
 * libuv's thread pool while the request decodes on the JavaScript thread.
 *
 * Why compress: an uncompressed OTLP/JSON request of 1,000 points is ~190 KB and gzip level 1 makes
 * it ~13 KB in ~0.2 ms. Written raw, it was the largest part of the ingest commit (every byte goes
 * to the WAL and again into the database file at checkpoint), and 14 times the disk.
 */
export interface PayloadAtRest {
  payload: Uint8Array;
  contentEncoding: 'identity' | 'gzip';
  payloadDigest: string;
}

/** Below this a gzip header and trailer (18 bytes) are not worth a trip to the thread pool. */
const MIN_COMPRESSIBLE_BYTES = 512;
/** The output buffer zlib fills per trip to the thread pool; one trip for any ordinary batch. */
const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

export async function payloadAtRest(
  wire: Uint8Array,
  wireEncoding: 'identity' | 'gzip',
): Promise<PayloadAtRest> {
  let payload = wire;
  let contentEncoding = wireEncoding;
  if (wireEncoding === 'identity' && wire.byteLength >= MIN_COMPRESSIBLE_BYTES) {
    const compressed = await gzipFast(wire);
    // Data that does not compress (already random) is kept as it came.
    if (compressed.byteLength < wire.byteLength) {
      payload = compressed;
      contentEncoding = 'gzip';
    }
  }
  return { payload, contentEncoding, payloadDigest: await digestPayloadOffThread(payload) };
}

function gzipFast(bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gzip(
      bytes,
      {
        level: constants.Z_BEST_SPEED,
        // Deflate never grows data by more than a few bytes per 16 KB block plus its header.
        chunkSize: Math.min(MAX_CHUNK_BYTES, bytes.byteLength + 1024),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}
