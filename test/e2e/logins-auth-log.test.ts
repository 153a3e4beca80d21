import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startLoginsAgent, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, scrape, startCollectorProcess } from '../helpers/collector-process.ts';

/**
 * Issue 5's acceptance, on real processes: an agent follows a configured auth log; a failed ssh
 * login appended to it reaches the collector as an `auth.login` failure event (user admin, source
 * 203.0.113.9) within 5 s, and perimeter_auth_failures_total rises. History already in the file at
 * the first start is not replayed; a rotated log is followed into the new file; a restart of the
 * agent neither repeats nor skips a line.
 */
describe('login events from a tailed auth log', () => {
  let collector: CollectorProcess;
  let agent: AgentProcess;
  let dir: string;
  let authLog: string;
  const nodeId = 'login-node';

  type Row = { ts_ms: number; body: string; attributes_json: string };
  const logins = () =>
    collector
      .query<Row>(
        "SELECT ts_ms, body, attributes_json FROM events WHERE node_id = ? AND event_name = 'auth.login' ORDER BY id",
        nodeId,
      )
      .map((row) => ({ ...row, attributes: JSON.parse(row.attributes_json) as Record<string, unknown> }));
  const failures = async () => {
    const line = (await scrape(collector.url)).match(
      /^perimeter_auth_failures_total\{[^}]*node="login-node"[^}]*auth_method="ssh"[^}]*\} (\d+)$/m,
    );
    return line === null ? 0 : Number(line[1]);
  };
  const start = (dataDir?: string) =>
    startLoginsAgent({ collector, nodeId, authLog, ...(dataDir === undefined ? {} : { dataDir }) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-authlog-'));
    authLog = join(dir, 'auth.log');
    writeFileSync(
      authLog,
      'Nov 23 07:00:00 web1 sshd[100]: Failed password for root from 198.51.100.7 port 1111 ssh2\n',
    );
    collector = await startCollectorProcess();
    agent = start();
    await waitUntil(() => agent.output().includes('auth log followed'), 'the agent follows the auth log');
  });
  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships an appended failed login within 5 s, and the failure counter rises', async () => {
    const before = await failures();
    const appendedAt = Date.now();
    appendFileSync(
      authLog,
      'Nov 23 08:15:02 web1 sshd[4242]: Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2\n',
    );
    await waitUntil(
      () => logins().length > 0,
      () => `the collector stored the login event; agent said:\n${agent.output()}`,
      5_000,
    );
    expect(Date.now() - appendedAt).toBeLessThan(5_000);
    const [event, ...rest] = logins();
    expect(rest).toEqual([]); // the line already in the file at first start is history, not replayed
    expect(event?.attributes).toMatchObject({
      'event.name': 'auth.login',
      'auth.outcome': 'failure',
      'auth.method': 'ssh',
      'user.name': 'admin',
      'source.address': '203.0.113.9',
      'source.port': 4242,
    });
    expect(event?.body).toContain('Failed password for invalid user admin from 203.0.113.9');
    await waitUntil(async () => (await failures()) === before + 1, 'perimeter_auth_failures_total rose by 1');
  });

  it('follows the log across rotation and an agent restart without repeating or skipping a line', async () => {
    const line = (n: number) =>
      `Nov 23 08:20:0${n} web1 sshd[50${n}]: Failed password for user${n} from 192.0.2.${n} port 5${n} ssh2\n`;
    appendFileSync(authLog, line(1));
    await waitUntil(() => logins().length === 2, 'line 1 stored');
    await agent.stop();
    appendFileSync(authLog, line(2)); // written while the agent is down
    renameSync(authLog, `${authLog}.1`); // logrotate: rename, then a new file
    writeFileSync(authLog, line(3));
    agent = start(agent.dataDir);
    await waitUntil(
      () => logins().length === 4,
      () => `lines 2 and 3 stored (have ${logins().length})`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(logins().map((row) => row.attributes['user.name'])).toEqual(['admin', 'user1', 'user2', 'user3']);
  });
});
