import type { IntegrityVerdict } from '../replay/types.ts';
import { type StoreVerdict, type VerifyInput, verifyStore } from './verify-store.ts';

/**
 * What replay and the console say about the signed checkpoint behind one node's timeline: the
 * store verifier `verify` runs (verify-store.ts, not a copy), with the node's chain walk the replay
 * already did and the other nodes' walks left out (their chains are their own timelines' business).
 * Everything else verify checks (the checkpoint chain, this node's head and count, series names,
 * tokens, the audit log, alert history, pruned ranges) counts: the timeline is read from them.
 */
export interface CheckpointStanding {
  ok: boolean;
  checkpoint: StoreVerdict['checkpoint'];
  /** "verified against checkpoint #N (time, key fingerprint)", or why there is none, or BROKEN. */
  line: string;
  problems: Array<{ where: string; what: string }>;
  notes: string[];
}

export const NO_CHECKPOINT_LINE =
  'no checkpoint: chain verified without a signature, which does not protect against someone who can write the store';

export function checkpointStanding(
  store: VerifyInput['store'],
  nodeId: string,
  nodeVerdict: IntegrityVerdict,
  given: VerifyInput['given'] = [],
): CheckpointStanding {
  const verdict = verifyStore({
    store,
    given,
    verifyNode: (id) => (id === nodeId ? nodeVerdict : { ...nodeVerdict, ok: true }),
  });
  // Another node's findings (its head, its pruned ranges) are not this timeline's. A store that
  // never had a checkpoint (no signing key) cannot have its prunes signed: the replay's own check of
  // the link across each pruned range is all there is, and the line says so.
  const unsigned = verdict.checkpointsSeen === 0;
  const problems = verdict.problems.filter(
    (problem) =>
      concernsNode(problem.where, nodeId) && !(unsigned && problem.where.startsWith('pruned range ')),
  );
  // The node's own chain walk is already in the replay's verdict; not said twice.
  const own = problems.filter(
    (problem) => nodeVerdict.ok || problem.where !== `node ${nodeId}` || problem.what !== nodeVerdict.summary,
  );
  return {
    ok: own.length === 0,
    checkpoint: verdict.checkpoint,
    line: standingLine(verdict.checkpoint, verdict.checkpointsSeen, own.length),
    problems: own,
    notes: verdict.notes,
  };
}

/** The one line replay (table, md, jsonl) and the console node page print. */
export function standingLine(
  checkpoint: StoreVerdict['checkpoint'],
  checkpointsSeen: number,
  problems: number,
): string {
  if (checkpoint === null) {
    return checkpointsSeen > 0
      ? `BROKEN: none of the ${checkpointsSeen} checkpoint(s) verifies; ${NO_CHECKPOINT_LINE.slice('no checkpoint: '.length)}`
      : NO_CHECKPOINT_LINE;
  }
  const named = `checkpoint #${checkpoint.seq} (${new Date(checkpoint.atMs).toISOString()}, key ${checkpoint.keyId})`;
  return problems === 0 ? `verified against ${named}` : `BROKEN against ${named}: ${problems} problem(s)`;
}

/** The replay's verdict with the checkpoint standing folded in: broken if either is. */
export function withCheckpoint(verdict: IntegrityVerdict, standing: CheckpointStanding): IntegrityVerdict {
  return {
    ...verdict,
    ok: verdict.ok && standing.ok,
    checkpoint: standing,
  };
}

function concernsNode(where: string, nodeId: string): boolean {
  const match = /^(?:pruned range )?node (\S+)/.exec(where);
  return match === null || match[1] === nodeId;
}
