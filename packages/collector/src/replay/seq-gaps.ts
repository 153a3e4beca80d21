import type { SeqGap } from './types.ts';

/**
 * Holes in each stream's sequence numbers as they stand now: a late batch (an agent draining its
 * spool) that filled an earlier hole is no longer a gap, whatever the gaps table recorded when
 * the hole was first seen. Seqs start at 1 per stream (a new spool starts a new stream).
 */
export interface SeqArrival {
  streamId: string;
  seq: number;
  timeMs: number;
}

export function findSeqGaps(
  arrivals: readonly SeqArrival[],
  options: { leadingHolesExplained: boolean },
): SeqGap[] {
  const byStream = new Map<string, SeqArrival[]>();
  for (const arrival of arrivals) {
    const list = byStream.get(arrival.streamId) ?? [];
    list.push(arrival);
    byStream.set(arrival.streamId, list);
  }
  const gaps: SeqGap[] = [];
  for (const [streamId, list] of byStream) {
    list.sort((a, b) => a.seq - b.seq);
    const first = list[0] as SeqArrival;
    if (first.seq > 1 && !options.leadingHolesExplained) {
      gaps.push({ streamId, fromSeq: 1, toSeq: first.seq - 1, afterMs: null, beforeMs: first.timeMs });
    }
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1] as SeqArrival;
      const after = list[i] as SeqArrival;
      if (after.seq > before.seq + 1) {
        gaps.push({
          streamId,
          fromSeq: before.seq + 1,
          toSeq: after.seq - 1,
          afterMs: before.timeMs,
          beforeMs: after.timeMs,
        });
      }
    }
  }
  return gaps;
}
