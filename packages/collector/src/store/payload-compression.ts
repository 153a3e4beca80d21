import { constants, gzipSync } from 'node:zlib';
import { digestPayload } from '@perimeter/schema';

/**
 * What is done to an uncompressed body before it is stored, on whichever thread does it (the
 * payload worker, or the ingest thread should the worker be unavailable): gzip at level 1, kept
 * only when it is smaller, and the SHA-256 of the bytes that will be stored.
 */
export interface PayloadJob {
  id: number;
  body: Uint8Array;
}

/** `payload` is null when gzip did not make the body smaller: the body is stored as it came. */
export function compressAndDigest(body: Uint8Array): { payload: Uint8Array | null; payloadDigest: string } {
  const compressed = gzipSync(body, { level: constants.Z_BEST_SPEED });
  if (compressed.byteLength < body.byteLength) {
    return { payload: compressed, payloadDigest: digestPayload(compressed) };
  }
  return { payload: null, payloadDigest: digestPayload(body) };
}
