import type { Logger } from '../samplers/types.ts';
import type { OverflowReport } from '../spool/types.ts';

/**
 * Turns spool overflows into `agent.lifecycle` spool_overflow events. The event is appended to
 * the same spool from inside the spool's overflow callback, and in a full spool that append
 * overflows again. Emitting an event for that second drop would cascade forever (each event evicts
 * an older row and reports it), so drops that happen while an event is being written are carried
 * into the NEXT overflow event instead. Nothing goes unrecorded: every drop is logged at warn
 * here and counted persistently by the spool itself.
 */
export interface OverflowReporter {
  report(report: OverflowReport): void;
  attach(emit: (report: OverflowReport) => void): void;
}

export function createOverflowReporter(log: Logger): OverflowReporter {
  let emit: ((report: OverflowReport) => void) | undefined;
  let carried: OverflowReport | undefined;
  let emitting = false;
  const flush = () => {
    if (!emit || !carried || emitting) return;
    const next = carried;
    carried = undefined;
    emitting = true;
    try {
      emit(next);
    } finally {
      emitting = false;
    }
  };
  return {
    report(report) {
      log.warn({ ...report }, 'spool over its byte cap: dropped the oldest data');
      carried = carried ? mergeReports(carried, report) : report;
      flush();
    },
    attach(next) {
      emit = next;
      flush();
    },
  };
}

export function mergeReports(a: OverflowReport, b: OverflowReport): OverflowReport {
  const merged: OverflowReport = {
    droppedBatches: a.droppedBatches + b.droppedBatches,
    droppedBytes: a.droppedBytes + b.droppedBytes,
    droppedDeadLetters: a.droppedDeadLetters + b.droppedDeadLetters,
  };
  const firstSeq = a.firstSeq ?? b.firstSeq;
  const lastSeq = b.lastSeq ?? a.lastSeq;
  if (firstSeq !== undefined) merged.firstSeq = firstSeq;
  if (lastSeq !== undefined) merged.lastSeq = lastSeq;
  return merged;
}

export function describeOverflow(report: OverflowReport): string {
  const parts: string[] = [];
  if (report.droppedBatches > 0) {
    parts.push(`dropped ${report.droppedBatches} batches (seq ${report.firstSeq}..${report.lastSeq})`);
  }
  if (report.droppedDeadLetters > 0) {
    parts.push(`dropped ${report.droppedDeadLetters} dead letters`);
  }
  return `${parts.join(', ')}; ${report.droppedBytes} bytes`;
}
