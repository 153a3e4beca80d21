import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';

/**
 * Issue 21's "no silent blindness" on real processes: an agent whose `log stream` is refused as the
 * real macOS `log` refuses a non-admin (a stand-in on PATH: exit 64, the message on stderr; this
 * machine has no Mac) and that has no root login-reader file ships perimeter.source.up = 0 to a
 * real collector on loopback, and the console's fleet page and its JSON API mark the node blind
 * for that source instead of showing a clean "0 failed logins".
 */
describe('a blind login source reaches the console fleet page', () => {
  let collector: CollectorProcess;
  let agent: AgentProcess;
  let dir: string;
  let cookie: string;
  const nodeId = 'blind-mac';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-blind-'));
    mkdirSync(join(dir, 'bin'));
    const log = join(dir, 'bin', 'log');
    writeFileSync(log, `#!/bin/sh\necho "log: Must be admin to run 'stream' command" >&2\nexit 64\n`);
    chmodSync(log, 0o755);
    collector = await startCollectorProcess({ logLevel: 'warn' });
    // Tokens first: the tokens CLI runs synchronously and could outlast a kept-alive socket.
    const nodeToken = collector.createToken(nodeId);
    const signIn = await fetch(`${collector.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: collector.createToken('auditor', 'reader') }).toString(),
    });
    cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    agent = startAgentProcess({
      collectorUrl: collector.url,
      token: nodeToken,
      nodeId,
      interval: '10s',
      config: [
        'logins:',
        '  source: unified-log',
        `  unifiedLogFile: ${join(dir, 'not-installed', 'logins.ndjson')}`,
        '  backfill: false',
        'samplers:',
        '  system:',
        '    enabled: false',
        '',
      ].join('\n'),
      env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  type FleetCell = { text: string; cls?: string };
  const fleetRow = async () => {
    // A fresh connection per poll: the collector's keep-alive may close an idle one under a busy run.
    const response = await fetch(`${collector.url}/console/api/fleet`, {
      headers: { cookie, connection: 'close' },
    });
    const body = (await response.json()) as { rows: { nodeId?: string; cells: FleetCell[] }[] };
    return body.rows.find((row) => JSON.stringify(row).includes(nodeId));
  };

  it('marks the node blind for logins:unified-log in the JSON API and on the page', async () => {
    let last: unknown;
    await waitUntil(
      async () => {
        last = await fleetRow();
        return JSON.stringify(last ?? {}).includes('blind: logins:unified-log');
      },
      () =>
        `the fleet row shows the blind mark; row: ${JSON.stringify(last)}; agent said:\n${agent.output()}`,
      45_000,
    );
    const cell = (await fleetRow())?.cells.find((c) => c.text.includes('blind'));
    expect(cell).toMatchObject({ text: '0 · blind: logins:unified-log unreadable', cls: 'bad' });
    const page = await (await fetch(`${collector.url}/`, { headers: { cookie } })).text();
    expect(page).toContain('blind: logins:unified-log unreadable');
    const downs = collector.query<{ attributes_json: string }>(
      "SELECT attributes_json FROM events WHERE node_id = ? AND event_name = 'agent.lifecycle' AND attributes_json LIKE '%source_down%'",
      nodeId,
    );
    expect(downs.map((row) => JSON.parse(row.attributes_json))).toContainEqual(
      expect.objectContaining({ 'source.name': 'logins:unified-log', reason: 'refused' }),
    );
  });
});
