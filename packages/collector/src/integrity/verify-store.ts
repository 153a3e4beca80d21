import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH } from '@perimeter/schema';
import { walkStoredChain } from '../replay/store-chain-walk.ts';
import type { IntegrityVerdict } from '../replay/types.ts';
import type { AlertStore } from '../store/alert-rows.ts';
import { type AuditLog, auditRowHash } from '../store/audit-log.ts';
import type { ChainReads } from '../store/chain-reads.ts';
import type { IntegrityRows, PrunedRangeRecord, StoredPrunedRange } from '../store/integrity-rows.ts';
import { type RowChain, rowLinkHash } from '../store/row-chain.ts';
import { type ChainHeadSigned, type ParsedCheckpoint, parseCheckpoint, short } from './checkpoint.ts';
import { keyIdOf } from './keys.ts';

/**
 * The one store verifier (`verify`): every node's hash chain (replay/store-chain-walk.ts), then
 * the store against the newest signed checkpoint it is given and the chain of checkpoints back
 * from it. Each problem names what broke, where, and since which checkpoint. Pruned ranges hold
 * only if a signed checkpoint covers them (payload v3: the reference signs the head of their
 * chain and every linked row up to it; v1-2: a trusted checkpoint lists the range) and, for an age
 * policy, their newest batch was older than the policy's cutoff when pruned.
 */
export interface IntegrityFinding {
  what: string;
  where: string;
}

export interface StoreVerdict {
  ok: boolean;
  /** The checkpoint the store was verified against, or null when none was available. */
  checkpoint: { seq: number; atMs: number; hash: string; keyId: string; origin: string } | null;
  /** Checkpoints given or stored, readable or not: 0 means checkpoints were never on for this store. */
  checkpointsSeen: number;
  nodes: number;
  problems: IntegrityFinding[];
  notes: string[];
}

export interface VerifyInput {
  store: {
    integrity: IntegrityRows;
    audit: Pick<AuditLog, 'chainRows'>;
    alerts: Pick<AlertStore, 'historyChain' | 'notificationChain'>;
    chain: ChainReads;
  };
  /** Off-box checkpoint files: [origin, text]. */
  given: Array<[string, string]>;
  pinnedKey?: KeyObject;
  /** Walks one node's chain; default the replay walk. Evidence passes its own, to walk each chain once. */
  verifyNode?: (nodeId: string) => IntegrityVerdict;
}

export function verifyStore(input: VerifyInput): StoreVerdict {
  const { integrity } = input.store;
  const problems: IntegrityFinding[] = [];
  const notes: string[] = [];
  const parse = (origin: string, text: string): ParsedCheckpoint | undefined => {
    try {
      return parseCheckpoint(text, origin);
    } catch (error) {
      problems.push({ where: origin, what: (error as Error).message });
      return undefined;
    }
  };
  const given = input.given.map(([origin, text]) => parse(origin, text)).filter((c) => c !== undefined);
  const storedRows = integrity.checkpoints();
  const stored = storedRows
    .map((row) => parse(`store checkpoint ${row.seq}`, row.signedJson))
    .filter((c) => c !== undefined);

  const byHash = new Map<string, ParsedCheckpoint>();
  for (const checkpoint of [...stored, ...given]) {
    byHash.set(checkpoint.hash, checkpoint);
  }
  const newestGiven = given.sort((a, b) => b.body.seq - a.body.seq)[0];
  const reference = newestGiven ?? stored.sort((a, b) => b.body.seq - a.body.seq)[0];
  if (newestGiven === undefined) {
    notes.push(
      reference === undefined
        ? 'no checkpoint: only the hash chains were checked, and whoever can write the store can recompute them'
        : 'no off-box checkpoint given: verified against the store’s own newest checkpoint, which a store rolled back whole would take with it',
    );
  }
  if (
    input.pinnedKey !== undefined &&
    reference !== undefined &&
    keyIdOf(input.pinnedKey) !== reference.body.keyId
  ) {
    problems.push({
      where: reference.origin,
      what: `checkpoint ${reference.body.seq} is signed by key ${short(reference.body.keyId)}, not the given public key ${short(keyIdOf(input.pinnedKey))}`,
    });
  }

  // The chain of checkpoints back from the reference: every one trusted through the reference.
  const trusted: ParsedCheckpoint[] = [];
  for (let at = reference; at !== undefined; ) {
    trusted.push(at);
    if (at.body.previousHash === GENESIS_HASH) {
      break;
    }
    const previous = byHash.get(at.body.previousHash);
    if (previous === undefined) {
      problems.push({
        where: `checkpoint ${at.body.seq - 1}`,
        what: `checkpoint ${at.body.seq} follows ${short(at.body.previousHash)}, which is neither in the store nor given (a stored checkpoint was deleted or replaced)`,
      });
    }
    at = previous;
  }
  const trustedHashes = new Set(trusted.map((c) => c.hash));
  for (const checkpoint of stored) {
    if (
      reference !== undefined &&
      checkpoint.body.seq <= reference.body.seq &&
      !trustedHashes.has(checkpoint.hash)
    ) {
      problems.push({
        where: checkpoint.origin,
        what: `store checkpoint ${checkpoint.body.seq} is not on the chain of the checkpoint verified against (${reference.origin}): replaced or forged`,
      });
    }
  }

  const since = reference === undefined ? '' : ` (since checkpoint ${reference.body.seq})`;
  const nodes = integrity.nodes();
  for (const node of nodes) {
    const verdict = input.verifyNode
      ? input.verifyNode(node.nodeId)
      : walkStoredChain(input.store.chain, {
          nodeId: node.nodeId,
          prunedRows: input.store.chain.prunedRanges(node.nodeId),
          head: input.store.chain.nodeHead(node.nodeId) ?? null,
          placeOrphans: false,
        });
    if (!verdict.ok) {
      problems.push({ where: `node ${node.nodeId}`, what: verdict.summary });
    }
  }
  verifyRowChain('audit', auditRows(input.store.audit), reference?.body.audit, reference, problems, since);
  verifyAlertChains(input.store.alerts, reference, problems, notes, since);
  if (reference !== undefined) {
    verifyAgainst(reference, integrity, problems, since);
  }
  verifyPruned(integrity, trusted, reference, problems, since);

  return {
    ok: problems.length === 0,
    checkpoint:
      reference === undefined
        ? null
        : {
            seq: reference.body.seq,
            atMs: reference.body.atMs,
            hash: reference.hash,
            keyId: reference.body.keyId,
            origin: reference.origin,
          },
    checkpointsSeen: input.given.length + storedRows.length,
    nodes: nodes.length,
    problems,
    notes,
  };
}

/** One row of a chained table, with its link and what its fields hash to after `prevHash`. */
interface LinkedRow {
  id: number;
  prevHash: string | null;
  hash: string | null;
  hashAfter(prevHash: string): string;
}

/**
 * Walks one per-row chain (the audit log, alert history, notification records): every link must
 * follow the one before and hash the row's fields, and the row `signed` names must still be there
 * with the hash the checkpoint signed. `signed` is undefined when the reference checkpoint predates
 * the chain (payload version 1 for the alert tables): the links alone are checked then.
 */
function verifyRowChain(
  label: string,
  rows: Iterable<LinkedRow>,
  signed: ChainHeadSigned | undefined,
  reference: ParsedCheckpoint | undefined,
  problems: IntegrityFinding[],
  since: string,
): void {
  let expected = GENESIS_HASH;
  let previousId: number | null = null;
  let headSeen = signed === undefined || signed.lastId === null;
  for (const row of rows) {
    if (row.hash === null || row.prevHash === null) {
      // Rows written before the chain existed precede every linked row.
      if (previousId !== null) {
        problems.push({
          where: `${label} row ${row.id}`,
          what: `${label} row ${row.id} has no chain link: inserted by hand${since}`,
        });
      }
      continue;
    }
    if (row.prevHash !== expected) {
      problems.push({
        where: `${label} row ${row.id}`,
        what: `${label} row ${row.id} does not link to the row before it${previousId === null ? '' : ` (${label} row ${previousId})`}: a row between them was deleted, or one inserted${since}`,
      });
    }
    if (row.hashAfter(row.prevHash) !== row.hash) {
      problems.push({
        where: `${label} row ${row.id}`,
        what: `${label} row ${row.id} was edited (its fields do not hash to its link)${since}`,
      });
    }
    expected = row.hash;
    previousId = row.id;
    if (signed !== undefined && reference !== undefined && row.id === signed.lastId) {
      headSeen = true;
      if (row.hash !== signed.head) {
        problems.push({
          where: `${label} row ${row.id}`,
          what: `the ${label} chain at row ${row.id} is not the head checkpoint ${reference.body.seq} signed: the rows were rewritten and their links recomputed${since}`,
        });
      }
    }
  }
  if (!headSeen && signed !== undefined && reference !== undefined) {
    problems.push({
      where: `${label} row ${signed.lastId}`,
      what: `${label} row ${signed.lastId}, the head checkpoint ${reference.body.seq} signed, is gone: rows were deleted${since}`,
    });
  }
}

function auditRows(audit: Pick<AuditLog, 'chainRows'>): Iterable<LinkedRow> {
  return mapRows(audit.chainRows(), (row) => ({
    id: row.id,
    prevHash: row.prevHash,
    hash: row.hash,
    hashAfter: (prevHash) => auditRowHash(prevHash, row),
  }));
}

function chainedRows(chain: Pick<RowChain, 'rows'>): Iterable<LinkedRow> {
  return mapRows(chain.rows(), (row) => ({
    id: row.id,
    prevHash: row.prevHash,
    hash: row.hash,
    hashAfter: (prevHash) => rowLinkHash(prevHash, row.id, row.fieldsJson),
  }));
}

function* mapRows<T, U>(rows: Iterable<T>, map: (row: T) => U): Iterable<U> {
  for (const row of rows) {
    yield map(row);
  }
}

function verifyAlertChains(
  alerts: VerifyInput['store']['alerts'],
  reference: ParsedCheckpoint | undefined,
  problems: IntegrityFinding[],
  notes: string[],
  since: string,
): void {
  const signed = reference?.body.alerts;
  if (reference !== undefined && signed === undefined) {
    notes.push(
      `checkpoint ${reference.body.seq} is payload version ${reference.body.v}, from before alert history was signed: alert transitions and notifications were checked by their links alone`,
    );
  }
  verifyRowChain(
    'alert_history',
    chainedRows(alerts.historyChain),
    signed?.history,
    reference,
    problems,
    since,
  );
  verifyRowChain(
    'alert_notifications',
    chainedRows(alerts.notificationChain),
    signed?.notifications,
    reference,
    problems,
    since,
  );
}

function verifyAgainst(
  reference: ParsedCheckpoint,
  integrity: IntegrityRows,
  problems: IntegrityFinding[],
  since: string,
): void {
  const { body } = reference;
  const pruned = integrity.prunedRanges();
  for (const node of body.nodes) {
    if (node.lastBatchId === null) {
      continue;
    }
    const lastBatchId = node.lastBatchId;
    const hash = integrity.batchHash(node.nodeId, lastBatchId);
    const inRange = pruned.find(
      (r) => r.nodeId === node.nodeId && r.fromBatchId <= lastBatchId && lastBatchId <= r.toBatchId,
    );
    if (hash === undefined && inRange === undefined) {
      problems.push({
        where: `node ${node.nodeId} batch ${lastBatchId}`,
        what: `batch ${lastBatchId}, the head of node ${node.nodeId} in checkpoint ${body.seq}, is gone: the newest batches were cut off${since}`,
      });
    } else if (hash !== undefined && hash !== node.head) {
      problems.push({
        where: `node ${node.nodeId} batch ${lastBatchId}`,
        what: `batch ${lastBatchId} of node ${node.nodeId} hashes to ${short(hash)}, not the head ${short(node.head)} checkpoint ${body.seq} signed: the chain was recomputed without the key${since}`,
      });
    }
    const straddles = pruned.some(
      (r) => r.nodeId === node.nodeId && r.fromBatchId <= lastBatchId && r.toBatchId > lastBatchId,
    );
    if (!straddles && hash !== undefined) {
      const count =
        integrity.storedBatchesUpTo(node.nodeId, lastBatchId) +
        pruned
          .filter((r) => r.nodeId === node.nodeId && r.toBatchId <= lastBatchId)
          .reduce((sum, r) => sum + r.batchCount, 0);
      if (count !== node.batches) {
        problems.push({
          where: `node ${node.nodeId}`,
          what: `node ${node.nodeId} accounts for ${count} batches up to batch ${lastBatchId}, checkpoint ${body.seq} signed ${node.batches}${since}`,
        });
      }
    }
  }
  if (integrity.seriesDigest(body.series.maxId) !== body.series.digest) {
    problems.push({
      where: `series ≤ ${body.series.maxId}`,
      what: `series metadata (metric names, units, kinds, labels) of series 1-${body.series.maxId} differs from what checkpoint ${body.seq} signed: a metric was renamed or a label changed${since}`,
    });
  }
  const tokens = new Map(integrity.tokens(body.v).map((token) => [token.id, token]));
  for (const token of body.tokens) {
    const now = tokens.get(token.id);
    if (now === undefined) {
      problems.push({
        where: `token ${token.id}`,
        what: `token ${token.id} (in checkpoint ${body.seq}) was deleted${since}`,
      });
    } else if (now.digest !== token.digest) {
      problems.push({
        where: `token ${token.id}`,
        what: `token ${token.id} was edited (${body.v === 1 ? 'node, role, secret or creation time' : 'node, role, secret, creation time or expiry'})${since}`,
      });
    } else if (token.revokedAtMs !== null && now.revokedAtMs !== token.revokedAtMs) {
      problems.push({
        where: `token ${token.id}`,
        what: `token ${token.id} was revoked at ${token.revokedAtMs} and that was undone${since}`,
      });
    }
  }
}

/** The youngest a batch may be, when pruned, under the setting recorded with its range; null for the quota (no age). */
function ageCutoffMs(setting: string | null): number | null {
  if (setting === null) {
    return null;
  }
  const ages = [
    ...setting.matchAll(/(?:^|,)(retention\.events|retention\.metricDetail|storage\.retention)=(\d+)/g),
  ]
    .map((match) => Number(match[2]))
    .filter((age) => age > 0);
  return ages.length === 0 ? null : Math.min(...ages);
}

function sameRange(a: PrunedRangeRecord, b: PrunedRangeRecord): boolean {
  return (
    a.nodeId === b.nodeId &&
    a.fromBatchId === b.fromBatchId &&
    a.toBatchId === b.toBatchId &&
    a.firstPrevHash === b.firstPrevHash &&
    a.lastHash === b.lastHash &&
    a.reason === b.reason &&
    a.setting === b.setting
  );
}

function verifyPruned(
  integrity: IntegrityRows,
  trusted: readonly ParsedCheckpoint[],
  reference: ParsedCheckpoint | undefined,
  problems: IntegrityFinding[],
  since: string,
): void {
  const ranges = integrity.prunedRanges();
  const signedHead = reference?.body.prunedHead;
  // Links are checked whatever the reference (as the alert chains are under payload v1).
  const linked = new Set<number>();
  verifyRowChain(
    'pruned_ranges',
    mapRows(chainedRows({ rows: () => integrity.prunedChainRows() }), (row) => {
      if (row.hash !== null) {
        linked.add(row.id);
      }
      return row;
    }),
    signedHead,
    reference,
    problems,
    since,
  );
  // Payload v3: the reference covers every linked row up to the head it signed, and signed how many there are.
  const coveredByHead = (range: StoredPrunedRange): boolean =>
    signedHead !== undefined &&
    signedHead.lastId !== null &&
    range.id <= signedHead.lastId &&
    linked.has(range.id);
  if (reference !== undefined && signedHead !== undefined) {
    const upToHead = ranges.filter(
      (range) => signedHead.lastId !== null && range.id <= signedHead.lastId,
    ).length;
    if (upToHead !== reference.body.prunedCount) {
      problems.push({
        where: 'pruned_ranges',
        what: `pruned_ranges holds ${upToHead} range(s) up to row ${signedHead.lastId ?? 'none'}, checkpoint ${reference.body.seq} signed ${reference.body.prunedCount}: ranges were added or deleted${since}`,
      });
    }
  }
  for (const range of ranges) {
    const where = `pruned range node ${range.nodeId} batches ${range.fromBatchId}-${range.toBatchId}`;
    const covered =
      signedHead !== undefined
        ? coveredByHead(range)
        : trusted.some((checkpoint) => checkpoint.body.pruned?.some((signed) => sameRange(signed, range)));
    if (!covered) {
      problems.push({
        where,
        what: `${where} (${range.reason}, ${range.setting ?? 'no setting'}) is covered by no signed checkpoint${reference === undefined ? '' : ` up to ${reference.body.seq}`}: forged, edited, or pruned after the newest checkpoint`,
      });
      continue;
    }
    const age = range.reason === 'retention' ? ageCutoffMs(range.setting) : null;
    if (range.reason === 'retention' && age === null) {
      problems.push({ where, what: `${where} says retention but records no age setting` });
    } else if (age !== null && range.maxReceivedAtMs > range.prunedAtMs - age) {
      problems.push({
        where,
        what: `${where} holds batches received at ${new Date(range.maxReceivedAtMs).toISOString()}, younger than the cutoff of ${range.setting} when pruned at ${new Date(range.prunedAtMs).toISOString()}`,
      });
    }
  }
  // Versions 1-2 list every range: each one the reference listed must still be recorded (v3: the chain's head and count).
  for (const signed of reference?.body.pruned ?? []) {
    const kept = ranges.some(
      (range) =>
        range.nodeId === signed.nodeId &&
        range.fromBatchId === signed.fromBatchId &&
        range.toBatchId >= signed.toBatchId,
    );
    if (!kept) {
      problems.push({
        where: `pruned range node ${signed.nodeId} batches ${signed.fromBatchId}-${signed.toBatchId}`,
        what: `the pruned range node ${signed.nodeId} batches ${signed.fromBatchId}-${signed.toBatchId} that checkpoint ${reference?.body.seq} signed is no longer recorded${since}`,
      });
    }
  }
}
