import { createHash } from 'node:crypto';

/**
 * Stored batches are hash-chained per node: each link commits to the previous link, the batch's
 * identity and a digest of its exact payload bytes. Editing, removing or reordering any stored
 * batch changes every later link, which replay recomputes to prove the record is untouched.
 */

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainLinkInput {
  previousHash: string;
  nodeId: string;
  streamId: string;
  seq: number | null;
  signal: string;
  receivedAtMs: number;
  payloadDigest: string;
}

export function digestPayload(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('hex');
}

export function computeChainHash(link: ChainLinkInput): string {
  // A fixed field order joined by a separator that cannot occur in hex digests or numbers keeps the
  // encoding unambiguous without a serialisation library.
  return createHash('sha256')
    .update(
      [
        link.previousHash,
        link.nodeId,
        link.streamId,
        link.seq === null ? '' : String(link.seq),
        link.signal,
        String(link.receivedAtMs),
        link.payloadDigest,
      ].join('\u001f'),
    )
    .digest('hex');
}
