import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonEvents } from '../test-support/loopback-collector.ts';
import { createTestCollector, type TestCollector } from '../test-support/test-collector.ts';

/**
 * store.derived on a real store in a temp directory (no process): the derive/ rules' rows as the
 * ingest write path leaves them. The newest drift observation wins by event time, not arrival; a
 * repeated value keeps the time it was first seen; what a rule cannot use is counted by reason.
 */
const T0 = Date.parse('2026-11-01T00:00:00Z');

const drift = (timeMs: number, observed: string) => ({
  name: 'config.drift',
  timeMs,
  attributes: { 'check.id': 'macos.firewall', expected: 'on', observed, previous: '' },
});
const login = (timeMs: number, outcome: string, method: string) => ({
  name: 'auth.login',
  timeMs,
  attributes: { 'auth.outcome': outcome, 'auth.method': method, 'user.name': 'ops' },
});

describe('store.derived (rows the derive/ rules write at ingest)', () => {
  let collector: TestCollector;
  let seq = 0;
  beforeEach(() => {
    collector = createTestCollector();
    seq = 0;
  });
  afterEach(() => collector.close());

  const send = async (events: ReturnType<typeof drift | typeof login>[], nodeId = 'node-a') => {
    seq += 1;
    const body = jsonEvents({ nodeId, events });
    expect((await collector.post('logs', body, { stream: `stream-${nodeId}`, seq })).status).toBe(200);
  };

  it('keeps the newest drift observation by event time, and when its value was first seen', async () => {
    await send([drift(T0 + 10_000, 'off')]);
    await send([drift(T0, 'on')]); // a late event (a drained spool): older, must not win
    await send([drift(T0 + 20_000, 'off')]); // same value again: still off since T0 + 10 s
    expect(collector.store.derived.driftObservations()).toEqual([
      {
        nodeId: 'node-a',
        checkId: 'macos.firewall',
        observed: 'off',
        expected: 'on',
        controls: '',
        observedSinceMs: T0 + 10_000,
      },
    ]);
    expect(collector.store.derived.driftObservations('other.check')).toEqual([]);
  });

  it('counts logins per node, outcome and method (unknown methods as other), and skipped events by reason', async () => {
    await send([
      login(T0, 'failure', 'ssh'),
      login(T0 + 1, 'failure', 'ssh'),
      login(T0 + 2, 'success', 'telepathy'),
    ]);
    await send([login(T0 + 3, 'maybe', 'ssh'), drift(T0 + 4, 'x'.repeat(2000))]);
    expect(collector.store.derived.authLoginCounts()).toEqual(
      expect.arrayContaining([
        { nodeId: 'node-a', outcome: 'failure', authMethod: 'ssh', count: 2 },
        { nodeId: 'node-a', outcome: 'success', authMethod: 'other', count: 1 },
      ]),
    );
    expect(collector.store.derived.authLoginCounts()).toHaveLength(2);
    expect(collector.store.derived.skippedCounts()).toEqual([
      { reason: 'auth_outcome_unknown', count: 1 },
      { reason: 'drift_event_unusable', count: 1 },
    ]);
    expect(collector.store.derived.knownNodeIds()).toEqual(['node-a']);
  });

  it('counts nothing twice when a batch is sent again', async () => {
    await send([login(T0, 'failure', 'ssh')]);
    const body = jsonEvents({ nodeId: 'node-a', events: [login(T0, 'failure', 'ssh')] });
    expect((await collector.post('logs', body, { stream: 'stream-node-a', seq: 1 })).status).toBe(200);
    expect(collector.store.derived.authLoginCounts()).toEqual([
      { nodeId: 'node-a', outcome: 'failure', authMethod: 'ssh', count: 1 },
    ]);
  });
});
