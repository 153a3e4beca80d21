import type { ChainReads } from '../store/chain-reads.ts';
import { readReplayFromArchive } from './archive-source.ts';
import { buildTimeline } from './build-timeline.ts';
import { readReplayFromStore } from './store-source.ts';
import type { ReplayFilters, ReplayProgress, ReplayWindow, Timeline } from './types.ts';

/** One replay, from the store or an archive; the CLI and the timeline API both come through here. */
export interface ReplayRequest {
  nodeId: string;
  window: ReplayWindow;
  filters: ReplayFilters;
  nowMs: () => number;
  onProgress?: (progress: ReplayProgress) => void;
}

export type ReplayOutcome = { kind: 'ok'; timeline: Timeline } | { kind: 'unknown-node'; nodeId: string };

export function replayFromStore(chain: ChainReads, request: ReplayRequest): ReplayOutcome {
  const read = readReplayFromStore(chain, request);
  if (read.kind === 'unknown-node') {
    return { kind: 'unknown-node', nodeId: request.nodeId };
  }
  return { kind: 'ok', timeline: buildTimeline(read.input, request.filters) };
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
