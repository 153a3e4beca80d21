import { createHash } from 'node:crypto';

/**
 * Stored batches are hash-chained per node: each link commits to the previous link, the batch's
 * identity, a digest of its exact payload bytes and a digest of the rows derived from it (the
 * sample block or the event rows). Editing, removing or reordering any stored batch or any of its
 * samples or events changes every later link, which replay recomputes to prove the record is
 * untouched.
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
  rowsDigest: string;
}

export function digestPayload(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('hex');
}

/**
 * `digestPayload` on libuv's thread pool (WebCrypto's digest runs there), so the collector can
 * hash a request body while its one JavaScript thread decodes it. The same digest, byte for byte.
 */
export async function digestPayloadOffThread(payload: Uint8Array): Promise<string> {
  return Buffer.from(await crypto.subtle.digest('SHA-256', payload)).toString('hex');
}

/** The canonical text of stored events for the chain: one JSON array per event, in stored order. */
export function digestEventRows(rows: ReadonlyArray<readonly unknown[]>): string {
  const hash = createHash('sha256');
  for (const row of rows) {
    hash.update(JSON.stringify(row)).update('\n');
  }
  return hash.digest('hex');
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
        link.rowsDigest,
      ].join('\u001f'),
    )
    .digest('hex');
}
