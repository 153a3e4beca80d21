import { describe, expect, it } from 'vitest';
import { issueTokens, jsonEvents, postLogs } from '../test-support/loopback-collector.ts';
import { loopbackCollectorPerTest } from '../test-support/loopback-collector-fixture.ts';
import { createTestCollector } from '../test-support/test-collector.ts';

const STREAM = '7d3c2b1a-0000-4000-8000-00000000a001';

function loginEvent(timeMs: number, attributes: Record<string, string>) {
  return { name: 'auth.login', timeMs, attributes };
}

function failedSshLogin(timeMs: number) {
  return loginEvent(timeMs, {
    'auth.outcome': 'failure',
    'user.name': 'admin',
    'auth.method': 'ssh',
    'source.address': '203.0.113.9',
    'source.port': '52144',
  });
}

async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

describe('auth counters derived from auth.login events, over loopback HTTP', () => {
  const loopback = loopbackCollectorPerTest('perimeter-auth-counts-');

  it('counts each failed login once, ignores a re-sent batch, and keeps the count across a restart', async () => {
    const token = issueTokens(loopback.dataDir, [{ nodeId: 'n1', role: 'node' }])['n1/node'] as string;
    let collector = await loopback.start();
    const t0 = Date.now();
    const first = jsonEvents({ nodeId: 'n1', events: [failedSshLogin(t0)] });
    expect((await postLogs(collector.url, token, first, { stream: STREAM, seq: 1 })).status).toBe(200);
    const afterFirst = await scrape(collector.url);
    expect(afterFirst).toContain('perimeter_auth_failures_total{node="n1",auth_method="ssh"} 1');
    // Known nodes start every method at 0, so a first burst on a new method is an increase.
    expect(afterFirst).toContain('perimeter_auth_failures_total{node="n1",auth_method="sudo"} 0');
    expect(afterFirst).toContain('perimeter_auth_logins_total{node="n1",outcome="success"} 0');
    // Token changes are counted from the audit log (issueTokens created one).
    expect(afterFirst).toMatch(/^perimeter_audit_events_total\{action="token.create"\} [1-9]/m);

    const second = jsonEvents({ nodeId: 'n1', events: [failedSshLogin(t0 + 1000)] });
    expect((await postLogs(collector.url, token, second, { stream: STREAM, seq: 2 })).status).toBe(200);
    expect(await scrape(collector.url)).toContain(
      'perimeter_auth_failures_total{node="n1",auth_method="ssh"} 2',
    );

    // The agent re-sends after a lost answer: same (stream, seq), answered 200, not counted again.
    expect((await postLogs(collector.url, token, second, { stream: STREAM, seq: 2 })).status).toBe(200);
    const afterResend = await scrape(collector.url);
    expect(afterResend).toContain('perimeter_auth_failures_total{node="n1",auth_method="ssh"} 2');
    expect(afterResend).toContain('perimeter_auth_logins_total{node="n1",outcome="failure"} 2');
    expect(afterResend).toContain('perimeter_ingest_batches_total{signal="logs",result="duplicate"} 1');

    await loopback.stop();
    collector = await loopback.start();
    const afterRestart = await scrape(collector.url);
    expect(afterRestart).toContain('perimeter_auth_failures_total{node="n1",auth_method="ssh"} 2');
    // Labels stay bounded: who tried and from where stay in the events table.
    expect(afterRestart).not.toContain('admin');
    expect(afterRestart).not.toContain('203.0.113.9');
  });
});

describe('auth counters, edge cases', () => {
  it('counts unknown methods as other, and skips (and counts) logins with an unknown outcome', async () => {
    const collector = createTestCollector();
    const now = collector.clock.nowMs;
    const body = jsonEvents({
      nodeId: 'node-a',
      events: [
        loginEvent(now, { 'auth.outcome': 'success', 'auth.method': 'telnet', 'user.name': 'x' }),
        loginEvent(now, { 'auth.outcome': 'failure', 'user.name': 'x' }),
        loginEvent(now, { 'auth.outcome': 'maybe', 'auth.method': 'ssh', 'user.name': 'x' }),
        loginEvent(now, { 'auth.outcome': 'success', 'auth.method': 'console', 'user.name': 'x' }),
      ],
    });
    expect((await collector.post('logs', body)).status).toBe(200);
    const text = await (await collector.app.request('/metrics')).text();
    expect(text).toContain('perimeter_auth_failures_total{node="node-a",auth_method="other"} 1');
    expect(text).toContain('perimeter_auth_logins_total{node="node-a",outcome="success"} 2');
    expect(text).toContain('perimeter_auth_logins_total{node="node-a",outcome="failure"} 1');
    expect(text).not.toContain('outcome="maybe"');
    expect(text).toContain('perimeter_derive_skipped_events_total{reason="auth_outcome_unknown"} 1');
    expect(text).toMatch(/# TYPE perimeter_auth_failures_total counter/);
    collector.close();
  });
});
