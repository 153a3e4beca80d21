import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonEvents } from '../test-support/loopback-collector.ts';
import { createTestCollector } from '../test-support/test-collector.ts';
import { openStoreDatabase } from './db.ts';
import { openStore } from './store.ts';

function login(timeMs: number, outcome: string, method: string) {
  const attributes: Record<string, string> = { 'auth.outcome': outcome, 'user.name': 'admin' };
  if (method !== '') {
    attributes['auth.method'] = method;
  }
  return { name: 'auth.login', timeMs, attributes };
}

describe('schema migration 2 (event-derived state)', () => {
  it('folds the events already in a store into login counts and drift state when upgrading to schema 2', async () => {
    const collector = createTestCollector();
    const now = collector.clock.nowMs;
    const body = jsonEvents({
      nodeId: 'node-a',
      events: [login(now, 'failure', 'ssh'), login(now + 1, 'failure', 'ssh'), login(now, 'success', '')],
    });
    expect((await collector.post('logs', body)).status).toBe(200);
    const drift = (timeMs: number, observed: string) => ({
      name: 'config.drift',
      timeMs,
      attributes: { 'check.id': 'macos.firewall', expected: 'on', observed, previous: '' },
    });
    // The newer observation arrives first; the backfill must still pick it.
    const driftBody = jsonEvents({ nodeId: 'node-a', events: [drift(now + 10, 'off'), drift(now, 'on')] });
    expect((await collector.post('logs', driftBody)).status).toBe(200);
    const dataDir = collector.dataDir;
    await collector.store.close();
    // Turn the store back into a schema-1 store that already holds events.
    const old = openStoreDatabase({ dataDir, synchronous: 'NORMAL' });
    old.exec('DROP TABLE auth_login_counts; DROP TABLE derive_skipped_counts; DROP TABLE drift_latest');
    old.pragma('user_version = 1');
    old.close();

    const upgraded = openStore({ dataDir, synchronous: 'NORMAL' });
    expect(upgraded.derived.authLoginCounts()).toEqual([
      { nodeId: 'node-a', outcome: 'failure', authMethod: 'ssh', count: 2 },
      { nodeId: 'node-a', outcome: 'success', authMethod: 'other', count: 1 },
    ]);
    expect(upgraded.derived.driftObservations()).toMatchObject([
      { nodeId: 'node-a', checkId: 'macos.firewall', observed: 'off', expected: 'on' },
    ]);
    await upgraded.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
