import { computeChainHash, GENESIS_HASH } from '@perimeter/schema';
import type { PrunedRangeRow } from '../store/chain-reads.ts';
import type { IntegrityProblem, IntegrityVerdict, PrunedRange } from './types.ts';

/**
 * Recomputes a node's hash chain link by link (packages/schema/src/hash-chain.ts): each stored
 * batch must (1) link to the hash of the node's previous stored batch, or to the edge of a range
 * the forward quota or the retention policy pruned and recorded (pruned_ranges), (2) hold payload bytes whose SHA-256 is its
 * payload_sha256, (3) have beside it events or a sample block whose digest is its rows_sha256, and
 * (4) carry the hash that its own fields give. After a problem the walk goes on from the stored
 * hash, so one edited row is reported once instead of breaking every later link. Pure: the
 * caller reads the rows and digests the bytes.
 */
export interface LinkToCheck {
  id: number;
  streamId: string;
  seq: number | null;
  signal: string;
  receivedAtMs: number;
  payloadDigest: string;
  storedPayloadSha: string;
  rowsDigest: string;
  storedRowsSha: string;
  /** What the rows digest was computed from, for the message ("3 events", "sample block of 20"). */
  rowsDescription: string;
  prevHash: string;
  hash: string;
}

export type { PrunedRangeRow } from '../store/chain-reads.ts';

export interface ChainVerifier {
  check(link: LinkToCheck): void;
  /** A problem found outside the link walk (an event row pointing at no batch, …). */
  report(problem: IntegrityProblem): void;
  finish(head: { chainHead: string; lastBatchId: number | null } | null): IntegrityVerdict;
}

const MAX_PROBLEMS = 50;

export function createChainVerifier(nodeId: string, prunedRows: readonly PrunedRangeRow[]): ChainVerifier {
  const ranges = [...prunedRows].sort((a, b) => a.fromBatchId - b.fromBatchId);
  const pruned: PrunedRange[] = [];
  const problems: IntegrityProblem[] = [];
  let moreProblems = 0;
  let nextRange = 0;
  let expectedPrev = GENESIS_HASH;
  let previousId: number | null = null;
  let checked = 0;

  const report = (problem: IntegrityProblem) => {
    if (problems.length < MAX_PROBLEMS) {
      problems.push(problem);
    } else {
      moreProblems++;
    }
  };

  /** Steps over recorded pruned ranges that lie before `beforeId`, checking their edges link up. */
  const consumeRanges = (beforeId: number) => {
    while (nextRange < ranges.length && (ranges[nextRange] as PrunedRangeRow).toBatchId < beforeId) {
      const range = ranges[nextRange++] as PrunedRangeRow;
      const linkVerified = range.firstPrevHash === expectedPrev;
      if (!linkVerified) {
        report({
          at: `pruned ${range.fromBatchId}-${range.toBatchId}`,
          streamId: null,
          seq: null,
          what: `pruned range of batches ${range.fromBatchId}-${range.toBatchId} does not link to what precedes it (its first prev_hash ${short(range.firstPrevHash)} ≠ ${short(expectedPrev)})`,
        });
      }
      pruned.push({
        fromBatchId: range.fromBatchId,
        toBatchId: range.toBatchId,
        batchCount: range.batchCount,
        fromMs: range.minReceivedAtMs,
        toMs: range.maxReceivedAtMs,
        reason: range.reason,
        linkVerified,
      });
      expectedPrev = range.lastHash;
    }
  };

  return {
    report,
    check(link) {
      consumeRanges(link.id);
      checked++;
      const issues: string[] = [];
      if (link.prevHash !== expectedPrev) {
        issues.push(
          previousId === null && expectedPrev === GENESIS_HASH
            ? `it is the node's first stored batch but does not start from the genesis hash and no pruned range explains it (batches removed from the start, or prev_hash edited)`
            : `prev_hash ${short(link.prevHash)} does not link to ${previousId === null ? 'the last pruned batch' : `batch ${previousId}`} (${short(expectedPrev)}): a batch between them was removed, or prev_hash was edited`,
        );
      }
      if (link.payloadDigest !== link.storedPayloadSha) {
        issues.push(
          `payload bytes hash to ${short(link.payloadDigest)}, not the stored payload_sha256 ${short(link.storedPayloadSha)} (payload or its digest edited)`,
        );
      }
      if (link.rowsDigest !== link.storedRowsSha) {
        issues.push(
          `the stored rows (${link.rowsDescription}) hash to ${short(link.rowsDigest)}, not rows_sha256 ${short(link.storedRowsSha)} (an event or sample was edited, added or removed)`,
        );
      }
      const recomputed = computeChainHash({
        previousHash: link.prevHash,
        nodeId,
        streamId: link.streamId,
        seq: link.seq,
        signal: link.signal,
        receivedAtMs: link.receivedAtMs,
        payloadDigest: link.storedPayloadSha,
        rowsDigest: link.storedRowsSha,
      });
      if (recomputed !== link.hash) {
        issues.push(
          `its fields hash to ${short(recomputed)}, not the stored hash ${short(link.hash)} (stream, seq, signal, receive time, a digest or the hash was edited)`,
        );
      }
      if (issues.length > 0) {
        report({ at: String(link.id), streamId: link.streamId, seq: link.seq, what: issues.join('; ') });
      }
      expectedPrev = link.hash;
      previousId = link.id;
    },
    finish(head) {
      consumeRanges(Number.POSITIVE_INFINITY);
      if (head && head.chainHead !== expectedPrev) {
        report({
          at: `head`,
          streamId: null,
          seq: null,
          what: `the node's recorded chain head ${short(head.chainHead)} (last batch id ${head.lastBatchId ?? '-'}) is not the hash of the last stored batch${previousId === null ? '' : ` ${previousId}`}: batches were removed from the end`,
        });
      }
      const prunedCount = pruned.reduce((sum, range) => sum + range.batchCount, 0);
      const prunedText =
        pruned.length === 0
          ? ''
          : `; ${prunedCount} earlier batch(es) pruned by ${prunedBy(pruned)} (${pruned.every((r) => r.linkVerified) ? 'verified link' : 'link BROKEN'})`;
      const first = problems[0];
      const summary =
        first === undefined
          ? `chain holds over ${checked} batches${prunedText}`
          : `BROKEN at ${/^\d+$/.test(first.at) ? `batch ${first.at}` : first.at}${first.seq === null ? '' : ` (seq ${first.seq} of stream ${first.streamId === '' ? '(none)' : first.streamId})`}: ${first.what}${problems.length + moreProblems > 1 ? ` (+${problems.length + moreProblems - 1} more)` : ''}`;
      return {
        source: 'store',
        ok: first === undefined,
        checked,
        summary,
        problems,
        moreProblems,
        pruned,
      };
    },
  };
}

function short(hash: string): string {
  return hash.slice(0, 12);
}

/** Which policy removed the ranges, in words: the quota (disk full) or retention (age). */
function prunedBy(ranges: ReadonlyArray<{ reason: string }>): string {
  const reasons = new Set(
    ranges.map((range) => (range.reason === 'retention' ? 'the retention policy' : 'the storage quota')),
  );
  return [...reasons].sort().join(' and ');
}
