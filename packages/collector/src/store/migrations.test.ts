import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonEvents } from '../test-support/loopback-collector.ts';
import { createTestCollector } from '../test-support/test-collector.ts';
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
    const old = openStore({ dataDir, synchronous: 'NORMAL' });
    old.db.exec('DROP TABLE auth_login_counts; DROP TABLE derive_skipped_counts; DROP TABLE drift_latest');
    old.db.pragma('user_version = 1');
    await old.close();

    const upgraded = openStore({ dataDir, synchronous: 'NORMAL' });
    const rows = upgraded.db
      .prepare('SELECT node_id, outcome, auth_method, count FROM auth_login_counts ORDER BY outcome')
      .all();
    expect(rows).toEqual([
      { node_id: 'node-a', outcome: 'failure', auth_method: 'ssh', count: 2 },
      { node_id: 'node-a', outcome: 'success', auth_method: 'other', count: 1 },
    ]);
    expect(
      upgraded.db.prepare('SELECT node_id, check_id, observed, expected FROM drift_latest').all(),
    ).toEqual([{ node_id: 'node-a', check_id: 'macos.firewall', observed: 'off', expected: 'on' }]);
    await upgraded.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
