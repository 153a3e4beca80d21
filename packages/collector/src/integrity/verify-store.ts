import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH } from '@perimeter/schema';
import { walkStoredChain } from '../replay/store-chain-walk.ts';
import type { IntegrityVerdict } from '../replay/types.ts';
import { type AuditLog, auditRowHash } from '../store/audit-log.ts';
import type { ChainReads } from '../store/chain-reads.ts';
import type { IntegrityRows, PrunedRangeRecord } from '../store/integrity-rows.ts';
import { type ParsedCheckpoint, parseCheckpoint, short } from './checkpoint.ts';
import { keyIdOf } from './keys.ts';

/**
 * The one store verifier (`verify`): every node's hash chain (replay/store-chain-walk.ts), then
 * the store against the newest signed checkpoint it is given and the chain of checkpoints back
 * from it. Each problem names what broke, where, and since which checkpoint. Pruned ranges hold
 * only if a trusted checkpoint lists them and, for an age policy, their newest batch was older
 * than the policy's cutoff when pruned.
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
  store: { integrity: IntegrityRows; audit: Pick<AuditLog, 'chainRows'>; chain: ChainReads };
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
  verifyAuditChain(input.store.audit, reference, problems, since);
  if (reference !== undefined) {
    verifyAgainst(reference, integrity, problems, since);
  }
  verifyPruned(integrity.prunedRanges(), trusted, reference, problems);

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

function verifyAuditChain(
  audit: Pick<AuditLog, 'chainRows'>,
  reference: ParsedCheckpoint | undefined,
  problems: IntegrityFinding[],
  since: string,
): void {
  let expected = GENESIS_HASH;
  let linked = false;
  let headSeen = reference === undefined || reference.body.audit.lastId === null;
  for (const row of audit.chainRows()) {
    if (row.hash === null || row.prevHash === null) {
      // Rows written before the chain existed (schema 8) precede every linked row.
      if (linked) {
        problems.push({
          where: `audit row ${row.id}`,
          what: `audit row ${row.id} has no chain link: inserted by hand${since}`,
        });
      }
      continue;
    }
    linked = true;
    if (row.prevHash !== expected) {
      problems.push({
        where: `audit row ${row.id}`,
        what: `audit row ${row.id} does not link to the row before it: a row was deleted or inserted${since}`,
      });
    }
    if (auditRowHash(row.prevHash, row) !== row.hash) {
      problems.push({
        where: `audit row ${row.id}`,
        what: `audit row ${row.id} was edited (its fields do not hash to its link)${since}`,
      });
    }
    expected = row.hash;
    if (reference !== undefined && row.id === reference.body.audit.lastId) {
      headSeen = true;
      if (row.hash !== reference.body.audit.head) {
        problems.push({
          where: `audit row ${row.id}`,
          what: `the audit chain at row ${row.id} is not the head checkpoint ${reference.body.seq} signed: the log was rewritten and its links recomputed`,
        });
      }
    }
  }
  if (!headSeen && reference !== undefined) {
    problems.push({
      where: `audit row ${reference.body.audit.lastId}`,
      what: `audit row ${reference.body.audit.lastId}, the head checkpoint ${reference.body.seq} signed, is gone: rows were deleted`,
    });
  }
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
  const tokens = new Map(integrity.tokens().map((token) => [token.id, token]));
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
        what: `token ${token.id} was edited (node, role, secret or creation time)${since}`,
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
  ranges: readonly PrunedRangeRecord[],
  trusted: readonly ParsedCheckpoint[],
  reference: ParsedCheckpoint | undefined,
  problems: IntegrityFinding[],
): void {
  for (const range of ranges) {
    const where = `pruned range node ${range.nodeId} batches ${range.fromBatchId}-${range.toBatchId}`;
    const cover = trusted.find((checkpoint) =>
      checkpoint.body.pruned.some((signed) => sameRange(signed, range)),
    );
    if (cover === undefined) {
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
  if (reference !== undefined) {
    for (const signed of reference.body.pruned) {
      const kept = ranges.some(
        (range) =>
          range.nodeId === signed.nodeId &&
          range.fromBatchId === signed.fromBatchId &&
          range.toBatchId >= signed.toBatchId,
      );
      if (!kept) {
        problems.push({
          where: `pruned range node ${signed.nodeId} batches ${signed.fromBatchId}-${signed.toBatchId}`,
          what: `the pruned range node ${signed.nodeId} batches ${signed.fromBatchId}-${signed.toBatchId} that checkpoint ${reference.body.seq} signed is no longer recorded (since checkpoint ${reference.body.seq})`,
        });
      }
    }
  }
}
