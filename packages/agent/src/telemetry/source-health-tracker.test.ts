import { describe, expect, it } from 'vitest';
import { createSourceHealthTracker } from './source-health-tracker.ts';

const refused = {
  up: false as const,
  reason: 'refused' as const,
  detail: "log exited 64: log: Must be admin to run 'stream' command",
  fix: 'run deploy/macos/install.sh',
};

describe('source health: lifecycle events and perimeter.source.up', () => {
  it('a refusal is a source_down event with the reason and fix, and perimeter.source.up 0 for that reason', () => {
    const tracker = createSourceHealthTracker();
    const down = tracker.report('logins:unified-log', refused);
    expect(down?.attributes).toMatchObject({
      'agent.lifecycle.action': 'source_down',
      'source.name': 'logins:unified-log',
      reason: 'refused',
    });
    expect(down?.body).toContain('Fix: run deploy/macos/install.sh');
    expect(tracker.report('logins:unified-log', refused)).toBeNull(); // no repeat while unchanged
    expect(tracker.readings().map((r) => [r.attributes['reason'], r.value])).toEqual([
      ['', 0],
      ['refused', 0],
    ]);
  });

  it('recovery is a source_up event, and the refused series turns 1 instead of going stale at 0', () => {
    const tracker = createSourceHealthTracker();
    tracker.report('logins:unified-log', refused);
    const up = tracker.report('logins:unified-log', { up: true, detail: 'reading the login-reader file' });
    expect(up?.attributes['agent.lifecycle.action']).toBe('source_up');
    expect(tracker.readings().map((r) => [r.attributes['reason'], r.value])).toEqual([
      ['', 1],
      ['refused', 1],
    ]);
  });

  it('the first up at start is no event; a gap is a source_gap event with both times', () => {
    const tracker = createSourceHealthTracker();
    expect(tracker.report('logins:auth-log', { up: true, detail: '/var/log/auth.log' })).toBeNull();
    const gap = tracker.gap('logins:unified-log', { fromMs: 0, toMs: 60_000, detail: 'x' });
    expect(gap.attributes['agent.lifecycle.action']).toBe('source_gap');
    expect(gap.body).toContain('1970-01-01T00:00:00.000Z to 1970-01-01T00:01:00.000Z');
  });
});
