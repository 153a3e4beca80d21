import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../serve.ts';
import {
  issueTokens,
  jsonEvents,
  postLogs,
  startLoopbackCollector,
} from '../test-support/loopback-collector.ts';
import { jsonGauge } from '../test-support/test-collector.ts';

const CHECK = 'linux.sshd.permit-root-login';

interface DriftAnswer {
  checks: Array<{
    checkId: string;
    nodeCount: number;
    majority: string | null;
    majorityNodes: number | null;
    values: Array<{ observed: string; nodes: number }>;
    outliers: Array<{ node: string; observed: string; expected: string; since: string }>;
    nodes: Array<{ node: string; observed: string; pass: boolean | null }>;
  }>;
}

function driftEvent(nodeId: string, timeMs: number, observed: string, previous = '') {
  return jsonEvents({
    nodeId,
    events: [
      {
        name: 'config.drift',
        timeMs,
        attributes: { 'check.id': CHECK, expected: 'no', observed, previous, 'check.controls': 'CIS 5.2.10' },
      },
    ],
  });
}

describe('GET /api/v1/drift: the fleet view of config.drift, over loopback HTTP', () => {
  let dataDir: string;
  let collector: RunningCollector;
  let tokens: Record<string, string>;
  const t0 = Date.parse('2026-11-23T06:00:00Z');

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'perimeter-drift-'));
    tokens = issueTokens(dataDir, [
      { nodeId: 'n1', role: 'node' },
      { nodeId: 'n2', role: 'node' },
      { nodeId: 'n3', role: 'node' },
      { nodeId: 'ops', role: 'reader' },
      { nodeId: 'root', role: 'admin' },
    ]);
    collector = await startLoopbackCollector(dataDir);
  });
  afterEach(async () => {
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const send = async (nodeId: string, body: string) => {
    const response = await postLogs(collector.url, tokens[`${nodeId}/node`] as string, body);
    expect(response.status).toBe(200);
  };
  const getDrift = (query = '', token = tokens['ops/reader'] as string) =>
    fetch(`${collector.url}/api/v1/drift${query}`, { headers: { authorization: `Bearer ${token}` } });

  it('names the node that differs from the majority, and none once it comes back in line', async () => {
    await send('n1', driftEvent('n1', t0, 'no'));
    await send('n2', driftEvent('n2', t0, 'no'));
    await send('n3', driftEvent('n3', t0 + 5_000, 'yes'));

    const response = await getDrift();
    expect(response.status).toBe(200);
    const [check] = ((await response.json()) as DriftAnswer).checks;
    expect(check).toMatchObject({ checkId: CHECK, nodeCount: 3, majority: 'no', majorityNodes: 2 });
    expect(check?.values).toEqual([
      { observed: 'no', nodes: 2 },
      { observed: 'yes', nodes: 1 },
    ]);
    expect(check?.outliers).toEqual([
      { node: 'n3', observed: 'yes', expected: 'no', since: new Date(t0 + 5_000).toISOString() },
    ]);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toContain(`perimeter_drift_fleet_outlier{node="n3",check_id="${CHECK}"} 1`);
    expect(metrics).toContain(`perimeter_drift_fleet_outlier{node="n1",check_id="${CHECK}"} 0`);
    expect(metrics).toContain(`perimeter_drift_fleet_nodes{check_id="${CHECK}"} 3`);

    await send('n3', driftEvent('n3', t0 + 60_000, 'no', 'yes'));
    const [fixed] = ((await (await getDrift()).json()) as DriftAnswer).checks;
    expect(fixed).toMatchObject({ majority: 'no', majorityNodes: 3, outliers: [] });
    expect(await (await fetch(`${collector.url}/metrics`)).text()).toContain(
      `perimeter_drift_fleet_outlier{node="n3",check_id="${CHECK}"} 0`,
    );
  });

  it('keeps the newer observation when an older drift event arrives later', async () => {
    await send('n1', driftEvent('n1', t0 + 60_000, 'yes', 'no'));
    // A spool drained after an outage delivers the earlier observation last.
    await send('n1', driftEvent('n1', t0, 'no'));
    const [check] = ((await (await getDrift()).json()) as DriftAnswer).checks;
    expect(check?.nodes).toMatchObject([{ node: 'n1', observed: 'yes' }]);
    expect(check?.majority).toBe('yes');
  });

  it('answers 403 to a node token and 401 without one; reader and admin tokens may read', async () => {
    const forbidden = await getDrift('', tokens['n1/node'] as string);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('forbidden_role');
    expect((await fetch(`${collector.url}/api/v1/drift`)).status).toBe(401);
    expect((await getDrift()).status).toBe(200);
    expect((await getDrift('', tokens['root/admin'] as string)).status).toBe(200);
  });

  it('reports a tie as no majority and no outliers, listing every value with its count', async () => {
    await send('n1', driftEvent('n1', t0, 'no'));
    await send('n2', driftEvent('n2', t0, 'yes'));
    const [check] = ((await (await getDrift()).json()) as DriftAnswer).checks;
    expect(check).toMatchObject({ majority: null, majorityNodes: null, outliers: [] });
    expect(check?.values).toEqual([
      { observed: 'no', nodes: 1 },
      { observed: 'yes', nodes: 1 },
    ]);
  });

  it('filters by ?check= and shows each node pass/fail from perimeter.drift.check', async () => {
    await send('n1', driftEvent('n1', t0, 'yes'));
    const gauge = jsonGauge({
      nodeId: 'n1',
      name: 'perimeter.drift.check',
      unit: '{pass}',
      points: [{ value: 0, timeMs: t0, attributes: { 'check.id': CHECK, 'check.controls': 'CIS 5.2.10' } }],
    });
    const posted = await fetch(`${collector.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens['n1/node']}` },
      body: gauge,
    });
    expect(posted.status).toBe(200);
    const [check] = ((await (await getDrift(`?check=${encodeURIComponent(CHECK)}`)).json()) as DriftAnswer)
      .checks;
    expect(check?.nodes).toMatchObject([{ node: 'n1', observed: 'yes', pass: false }]);
    expect(((await (await getDrift('?check=macos.firewall')).json()) as DriftAnswer).checks).toEqual([]);
    // The filter is a bound parameter: SQL in it is just an id that no check has.
    const injected = await getDrift(`?check=${encodeURIComponent("' OR 1=1 --")}`);
    expect(injected.status).toBe(200);
    expect(((await injected.json()) as DriftAnswer).checks).toEqual([]);
  });

  it('answers 400 naming the parameter for an unknown, repeated or empty query parameter', async () => {
    for (const [query, field] of [
      ['?chek=x', 'chek'],
      ['?check=a&check=b', 'check'],
      ['?check=', 'check'],
      [`?check=${'x'.repeat(201)}`, 'check'],
      ['?check=a&x=1', 'x'],
    ] as const) {
      const response = await getDrift(query);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { error: { code: string; field: string } };
      expect(body.error).toMatchObject({ code: 'invalid_query', field });
    }
  });
});
