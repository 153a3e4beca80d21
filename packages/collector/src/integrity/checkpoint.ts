import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import { GENESIS_HASH } from '@perimeter/schema';
import type { AlertStore } from '../store/alert-rows.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { IntegrityRows, PrunedRangeRecord, TokenRecord } from '../store/integrity-rows.ts';
import { keyIdOf, type SigningKey } from './keys.ts';

/**
 * A signed checkpoint (docs/integrity.md): what the store held at one moment, chained to the
 * previous checkpoint and signed with Ed25519. The signature covers the exact `signed` text, so
 * verify never re-serialises; the checkpoint's hash is the SHA-256 of that text, and the next
 * checkpoint's previousHash. The public key travels beside it so an old checkpoint stays
 * verifiable after the key is rotated; trust comes from pinning the newest one's key
 * (`verify --public-key`) and the hash chain back from it, not from the key it carries.
 *
 * Payload versions: 1 (schema 8-9) had no `alerts`, and its token digests leave out the expiry;
 * 2 adds the alert history and notification chain heads and the expiry in each token digest;
 * 3 signs the head and row count of the pruned_ranges chain (`prunedHead`, `prunedCount`) instead
 * of every range (`pruned`, `prunedDigest`), which grew each checkpoint with every range ever
 * recorded. Verify reads each checkpoint by its own version, so checkpoints written before stay
 * verifiable.
 */
export const CHECKPOINT_VERSION = 3;

export type CheckpointVersion = 1 | 2 | 3;

export interface ChainHeadSigned {
  lastId: number | null;
  head: string;
}

export interface CheckpointBody {
  v: CheckpointVersion;
  seq: number;
  atMs: number;
  previousHash: string;
  keyId: string;
  nodes: Array<{ nodeId: string; head: string; lastBatchId: number | null; batches: number }>;
  audit: ChainHeadSigned;
  /** Version 2 on: the heads of the alert_history and alert_notifications chains. */
  alerts?: { history: ChainHeadSigned; notifications: ChainHeadSigned };
  series: { maxId: number; digest: string };
  tokens: TokenRecord[];
  /** Versions 1-2: every pruned range, and their digest. */
  pruned?: PrunedRangeRecord[];
  prunedDigest?: string;
  /** Version 3 on: the head of the pruned_ranges chain and how many rows it holds. */
  prunedHead?: ChainHeadSigned;
  prunedCount?: number;
  /** The retention and quota settings in force, as the collector config spells them. */
  settings: Record<string, unknown>;
}

export interface SignedCheckpoint {
  signed: string;
  signature: string;
  publicKey: string;
}

export interface ParsedCheckpoint {
  body: CheckpointBody;
  hash: string;
  envelope: SignedCheckpoint;
  /** Where it came from, for messages: a file path or `store`. */
  origin: string;
}

export function checkpointHash(signed: string): string {
  return createHash('sha256').update(signed).digest('hex');
}

/** What a checkpoint reads from the store. */
export interface CheckpointedStore {
  integrity: IntegrityRows;
  audit: Pick<AuditLog, 'head'>;
  alerts: Pick<AlertStore, 'historyChain' | 'notificationChain'>;
}

function signedHead({ lastId, hash }: { lastId: number | null; hash: string }): ChainHeadSigned {
  return { lastId, head: hash };
}

export function makeCheckpoint(
  store: CheckpointedStore,
  key: SigningKey,
  settings: Record<string, unknown>,
  nowMs: number,
): ParsedCheckpoint {
  const previous = store.integrity.latestCheckpoint();
  const prunedByNode = store.integrity.prunedBatchesByNode();
  const prunedChain = store.integrity.prunedChain();
  const maxSeriesId = store.integrity.maxSeriesId();
  const body: CheckpointBody = {
    v: CHECKPOINT_VERSION,
    seq: (previous?.seq ?? 0) + 1,
    atMs: nowMs,
    previousHash: previous?.hash ?? GENESIS_HASH,
    keyId: key.keyId,
    nodes: store.integrity.nodes().map((node) => ({
      nodeId: node.nodeId,
      head: node.head,
      lastBatchId: node.lastBatchId,
      batches: node.storedBatches + (prunedByNode.get(node.nodeId) ?? 0),
    })),
    audit: signedHead(store.audit.head()),
    alerts: {
      history: signedHead(store.alerts.historyChain.head()),
      notifications: signedHead(store.alerts.notificationChain.head()),
    },
    series: { maxId: maxSeriesId, digest: store.integrity.seriesDigest(maxSeriesId) },
    tokens: store.integrity.tokens(CHECKPOINT_VERSION),
    prunedHead: signedHead(prunedChain.head),
    prunedCount: prunedChain.count,
    settings,
  };
  const signed = JSON.stringify(body);
  const envelope: SignedCheckpoint = {
    signed,
    signature: sign(null, Buffer.from(signed), key.privateKey).toString('base64'),
    publicKey: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  const hash = checkpointHash(signed);
  store.integrity.saveCheckpoint({
    seq: body.seq,
    atMs: body.atMs,
    hash,
    signedJson: JSON.stringify(envelope),
  });
  return { body, hash, envelope, origin: 'store' };
}

/** Parses and checks one checkpoint's signature with the key it carries; throws naming what is wrong. */
export function parseCheckpoint(text: string, origin: string): ParsedCheckpoint {
  let envelope: SignedCheckpoint;
  try {
    envelope = JSON.parse(text) as SignedCheckpoint;
  } catch {
    throw new Error(`${origin}: not a checkpoint (not JSON)`);
  }
  if (
    typeof envelope?.signed !== 'string' ||
    typeof envelope.signature !== 'string' ||
    typeof envelope.publicKey !== 'string'
  ) {
    throw new Error(`${origin}: not a checkpoint (expected signed, signature and publicKey)`);
  }
  const publicKey = createPublicKey(envelope.publicKey);
  const body = JSON.parse(envelope.signed) as CheckpointBody;
  if (!([1, 2, 3] as unknown[]).includes(body.v)) {
    throw new Error(
      `${origin}: checkpoint ${body.seq} is payload version ${body.v}, which this collector does not know (it knows 1-${CHECKPOINT_VERSION}); upgrade it`,
    );
  }
  if (keyIdOf(publicKey) !== body.keyId) {
    throw new Error(
      `${origin}: checkpoint ${body.seq} names key ${short(body.keyId)} but carries key ${short(keyIdOf(publicKey))}`,
    );
  }
  if (!verify(null, Buffer.from(envelope.signed), publicKey, Buffer.from(envelope.signature, 'base64'))) {
    throw new Error(
      `${origin}: checkpoint ${body.seq}: the signature does not verify (the checkpoint was edited)`,
    );
  }
  return { body, hash: checkpointHash(envelope.signed), envelope, origin };
}

export function short(hash: string): string {
  return hash.slice(0, 12);
}
