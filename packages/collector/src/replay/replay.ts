import { checkpointStanding, withCheckpoint } from '../integrity/checkpoint-standing.ts';
import type { VerifyInput } from '../integrity/verify-store.ts';
import { readReplayFromArchive } from './archive-source.ts';
import { buildTimeline } from './build-timeline.ts';
import { readReplayFromStore, type StoreReplayOptions, type StoreReplayResult } from './store-source.ts';
import type { ReplayFilters, ReplayProgress, ReplayWindow, Timeline } from './types.ts';

/** One replay, from the store or an archive; the CLI and the timeline API both come through here. */
export interface ReplayRequest {
  nodeId: string;
  window: ReplayWindow;
  filters: ReplayFilters;
  nowMs: () => number;
  onProgress?: (progress: ReplayProgress) => void;
  /** Off-box checkpoint files [origin, text] to verify against (`replay --checkpoint`); default the store's own. */
  given?: VerifyInput['given'];
}

export type ReplayOutcome = { kind: 'ok'; timeline: Timeline } | { kind: 'unknown-node'; nodeId: string };

export function replayFromStore(store: VerifyInput['store'], request: ReplayRequest): ReplayOutcome {
  const read = readReplayVerified(store, request, request.given);
  if (read.kind === 'unknown-node') {
    return { kind: 'unknown-node', nodeId: request.nodeId };
  }
  return { kind: 'ok', timeline: buildTimeline(read.input, request.filters) };
}

/**
 * The node's replay read from the store, its verdict naming the signed checkpoint the store was
 * verified against by `verify`'s verifier (integrity/checkpoint-standing.ts): the CLI and the
 * console's worker both read through here.
 */
export function readReplayVerified(
  store: VerifyInput['store'],
  options: StoreReplayOptions,
  given: VerifyInput['given'] = [],
): StoreReplayResult {
  const read = readReplayFromStore(store.chain, options);
  if (read.kind === 'ok') {
    const standing = checkpointStanding(store, options.nodeId, read.input.integrity, given);
    read.input.integrity = withCheckpoint(read.input.integrity, standing);
  }
  return read;
}

export function replayFromArchive(dir: string, request: ReplayRequest): ReplayOutcome {
  return { kind: 'ok', timeline: buildTimeline(readReplayFromArchive({ ...request, dir }), request.filters) };
}

/** `a,b` and repeated flags alike → a list of names. */
export function splitNames(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Longest window a replay accepts (summaries grow coarser with the window). */
export const MAX_WINDOW_MS = 400 * 24 * 3_600_000;
