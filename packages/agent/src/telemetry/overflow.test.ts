import { describe, expect, it } from 'vitest';
import type { OverflowReport } from '../spool/types.ts';
import { createRecordingLogger } from '../test-support/context.ts';
import { createOverflowReporter, describeOverflow } from './overflow.ts';

const drop = (first: number, last: number): OverflowReport => ({
  droppedBatches: last - first + 1,
  droppedBytes: 100 * (last - first + 1),
  firstSeq: first,
  lastSeq: last,
  droppedDeadLetters: 0,
});

describe('overflow reporter', () => {
  it('carries drops caused by writing the overflow event into the next event instead of cascading', () => {
    const log = createRecordingLogger();
    const reporter = createOverflowReporter(log);
    const emitted: OverflowReport[] = [];
    reporter.attach((report) => {
      emitted.push(report);
      reporter.report(drop(10, 10)); // the event's own append evicted another row
    });
    reporter.report(drop(1, 3));
    expect(emitted).toEqual([drop(1, 3)]);
    reporter.report(drop(11, 12));
    expect(emitted[1]).toEqual({ ...drop(10, 12) });
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(4);
  });

  it('holds reports that arrive before the event pipeline exists', () => {
    const reporter = createOverflowReporter(createRecordingLogger());
    reporter.report(drop(1, 1));
    reporter.report(drop(2, 2));
    const emitted: OverflowReport[] = [];
    reporter.attach((report) => emitted.push(report));
    expect(emitted).toEqual([drop(1, 2)]);
  });

  it('describes the seq range, dead letters and bytes', () => {
    expect(describeOverflow({ ...drop(4, 9), droppedDeadLetters: 2 })).toBe(
      'dropped 6 batches (seq 4..9), dropped 2 dead letters; 600 bytes',
    );
  });
});
