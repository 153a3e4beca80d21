import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyStore } from '../integrity/verify-store.ts';
import { alertInstance, webhookSent } from '../test-support/alert-fixture.ts';
import { openStoreSqlite } from '../test-support/store-sqlite.ts';
import type { AlertInstance } from './alert-rows.ts';
import { openStoreFile, type StoreFile } from './store-file.ts';

/** store.alerts on a real SQLite file in a temp directory: states, history and notifications. */
const T0 = Date.parse('2026-11-01T00:00:00Z');

function alert(fingerprint: string, patch: Partial<AlertInstance> = {}): AlertInstance {
  return alertInstance({
    ruleKey: 'perimeter/AuthFailureSpike',
    name: 'AuthFailureSpike',
    fingerprint,
    labels: { node: `node-${fingerprint}`, severity: 'page' },
    annotations: { summary: 'failed logins' },
    value: 12,
    activeAtMs: T0,
    ...patch,
  });
}

describe('store.alerts', () => {
  let dataDir: string;
  let store: StoreFile;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-alert-rows-'));
    store = openStoreFile({ dataDir, synchronous: 'NORMAL' });
  });
  afterEach(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps each alert’s newest state across a reopen, with the history of its transitions', () => {
    const pending = alert('a');
    store.alerts.saveCycle([pending], [], [{ alert: pending, from: 'new', to: 'pending', atMs: T0 }]);
    const firing = alert('a', {
      state: 'firing',
      firedAtMs: T0 + 60_000,
      lastSentAtMs: T0 + 60_000,
      value: 20,
    });
    store.alerts.saveCycle(
      [firing],
      [],
      [{ alert: firing, from: 'pending', to: 'firing', atMs: T0 + 60_000 }],
    );
    store.close();
    store = openStoreFile({ dataDir, synchronous: 'NORMAL' });
    expect(store.alerts.loadStates()).toEqual([firing]);
    expect(store.alerts.history(10).map((row) => [row.from, row.to, row.value])).toEqual([
      ['pending', 'firing', 20],
      ['new', 'pending', 12],
    ]);
    expect(store.alerts.history(1)).toHaveLength(1);
  });

  it('removes a forgotten alert and leaves no history row for inactive → forgotten', () => {
    const resolved = alert('a', { state: 'inactive', resolvedAtMs: T0 });
    store.alerts.saveCycle([resolved], [], []);
    store.alerts.saveCycle(
      [],
      [resolved],
      [{ alert: resolved, from: 'inactive', to: 'forgotten', atMs: T0 + 1 }],
    );
    expect(store.alerts.loadStates()).toEqual([]);
    expect(store.alerts.history(10)).toEqual([]);
  });

  it('writes a cycle whole or not at all', () => {
    const kept = alert('a');
    store.alerts.saveCycle([kept], [], []);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const broken = alert('b', { annotations: circular as unknown as Record<string, string> });
    expect(() =>
      store.alerts.saveCycle(
        [alert('c'), broken],
        [kept],
        [{ alert: kept, from: 'pending', to: 'forgotten', atMs: T0 }],
      ),
    ).toThrowError(/circular/i);
    // Neither the removal nor the first upsert of the failed cycle survived.
    expect(store.alerts.loadStates().map((a) => a.fingerprint)).toEqual(['a']);
    expect(store.alerts.history(10)).toEqual([]);
  });

  it('logs notifications newest first, with the alerts they carried', () => {
    store.alerts.logNotification({
      ...webhookSent(T0, ['a', 'b']),
      outcome: 'retry',
      httpStatus: 503,
      error: 'service unavailable',
    });
    store.alerts.logNotification({ ...webhookSent(T0 + 1000, ['a', 'b']), attempt: 2 });
    const [newest, oldest] = store.alerts.notifications(10);
    expect(newest).toMatchObject({
      attempt: 2,
      outcome: 'sent',
      httpStatus: 200,
      error: null,
      fingerprints: ['a', 'b'],
    });
    expect(oldest).toMatchObject({ attempt: 1, outcome: 'retry', httpStatus: 503 });
  });

  it('chains history rows as written, and links rows from before the chain (schema < 10) when the first new one is written', () => {
    const pending = alert('a');
    for (const [index, to] of (['pending', 'firing'] as const).entries()) {
      store.alerts.saveCycle(
        [{ ...pending, state: to }],
        [],
        [{ alert: pending, from: 'new', to, atMs: T0 + index }],
      );
    }
    // As a store upgraded from schema 9 holds them: rows, no links.
    const raw = openStoreSqlite(dataDir);
    raw.prepare('DELETE FROM alert_history_links').run();
    expect([...store.alerts.historyChain.rows()].map((row) => row.hash)).toEqual([null, null]);
    store.alerts.saveCycle([pending], [], [{ alert: pending, from: 'firing', to: 'inactive', atMs: T0 + 2 }]);
    const rows = [...store.alerts.historyChain.rows()];
    expect(rows.map((row) => row.id)).toEqual([1, 2, 3]);
    expect(rows.map((row) => row.prevHash)).toEqual([expect.any(String), rows[0]?.hash, rows[1]?.hash]);
    expect(store.alerts.historyChain.head()).toEqual({ lastId: 3, hash: rows[2]?.hash });
    expect(verifyStore({ store, given: [] }).problems).toEqual([]);
    // The adopted rows are covered like the new one: an edit to the oldest breaks its link.
    raw.prepare("UPDATE alert_history SET to_state = 'firing' WHERE id = 1").run();
    raw.close();
    expect(verifyStore({ store, given: [] }).problems.map((problem) => problem.what)).toEqual([
      'alert_history row 1 was edited (its fields do not hash to its link)',
    ]);
  });
});
