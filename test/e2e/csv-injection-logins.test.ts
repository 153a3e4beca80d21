import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startLoginsAgent, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process.ts';
import { parseCsv } from '../helpers/csv.ts';
import { runCollectorCli } from '../helpers/replay-scenario.ts';

/**
 * Issue 18, CSV formula injection, through a real agent and a real evidence run: failed ssh logins
 * whose "user" is a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR) or HTML are written to an
 * auth log in sshd's own format; the agent follows it and ships them; a hostile client holding a
 * node token sends the same names (and those the agent redacts) straight to ingest. After
 * `perimeter-collector evidence`, no cell of any CSV starts with a formula character (each such
 * name carries OWASP's leading `'`), evidence.md keeps the HTML as text, and so does the console's
 * node page.
 */
const nodeId = 'login-node';
const hostileNode = 'hostile-node';

/** Names that survive the agent's password-in-the-user-field scrub (short, no whitespace). */
const AGENT_USERS = [
  '=hyperlink("http://ev.il/x")',
  '+SUM(1,2)',
  '-2+3+cmd',
  '@SUM(A1)',
  '<script>alert(x)</script>',
];
/** The name (longer than any account name: the agent redacts it) and whitespace-led ones. */
const REDACTED_BY_AGENT = ['=HYPERLINK("http://evil.example/x")', '\t=1+1', '\r=1+1'];
/** Sent by a client that is not a Perimeter agent: nothing upstream scrubbed them. */
const HOSTILE_USERS = [
  '=HYPERLINK("http://evil.example/x")',
  "\t=cmd|'/C calc'!A0",
  '\r@SUM(1)',
  '+1+1',
  '-1',
  '@x',
];

/** A syslog time stamp (`Dec  5 07:40:01`, local time, as rsyslog writes it) `secondsAgo` back. */
function syslogStamp(secondsAgo: number): string {
  const d = new Date(Date.now() - secondsAgo * 1000);
  const month = d.toLocaleString('en-US', { month: 'short' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${month} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

describe('CSV formula injection through a real agent and a real evidence run', () => {
  let collector: CollectorProcess;
  let agent: AgentProcess | undefined;
  let dir: string;
  let out: string;
  let nodePage: string;
  let evidence: { status: number | null; stderr: string };
  const fromIso = new Date(Date.now() - 3_600_000).toISOString();

  const logins = (node: string) =>
    collector
      .query<{ attributes_json: string }>(
        "SELECT attributes_json FROM events WHERE node_id = ? AND event_name = 'auth.login' ORDER BY id",
        node,
      )
      .map((row) => (JSON.parse(row.attributes_json) as Record<string, unknown>)['user.name']);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-csv-injection-'));
    const authLog = join(dir, 'auth.log');
    writeFileSync(authLog, `${syslogStamp(120)} web1 sshd[100]: Server listening on 0.0.0.0 port 22.\n`);
    collector = await startCollectorProcess({ logLevel: 'warn' });
    agent = startLoginsAgent({ collector, nodeId, authLog });
    const running = agent;
    await waitUntil(() => running.output().includes('auth log followed'), 'the agent follows the auth log');

    // Real sshd lines (OpenSSH's "Failed password for invalid user X from A port P ssh2"), then a sentinel.
    const users = [...AGENT_USERS, ...REDACTED_BY_AGENT, 'sentinel'];
    appendFileSync(
      authLog,
      users
        .map(
          (user, i) =>
            `${syslogStamp(60 - i)} web1 sshd[${4000 + i}]: Failed password for invalid user ${user} from 203.0.113.${i + 1} port ${40000 + i} ssh2\n`,
        )
        .join(''),
    );
    await waitUntil(
      () => logins(nodeId).includes('sentinel'),
      () =>
        `the agent shipped the sentinel login; stored: ${JSON.stringify(logins(nodeId))}\n${running.output()}`,
    );

    // A client with a node token that is not our agent: the collector alone must make these safe.
    const hostileToken = collector.createToken(hostileNode);
    const nowNs = BigInt(Date.now() - 30_000) * 1_000_000n;
    const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const response = await fetch(`${collector.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hostileToken}` },
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [kv('perimeter.node.id', hostileNode)] },
            scopeLogs: [
              {
                scope: { name: 'not-an-agent' },
                logRecords: HOSTILE_USERS.map((user, i) => ({
                  timeUnixNano: `${nowNs + BigInt(i) * 1_000_000n}`,
                  severityNumber: 9,
                  body: { stringValue: `Failed password for ${user}` },
                  attributes: [
                    kv('event.name', 'auth.login'),
                    kv('auth.outcome', 'failure'),
                    kv('auth.method', 'ssh'),
                    kv('user.name', user),
                    kv('source.address', '=1+1'),
                  ],
                })),
              },
            ],
          },
        ],
      }),
    });
    expect(response.status).toBe(200);

    // The console's node page, signed in as a reader.
    const signIn = await fetch(`${collector.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: collector.createToken('auditor', 'reader') }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const page = await fetch(`${collector.url}/nodes/${nodeId}?from=${encodeURIComponent(fromIso)}`, {
      headers: { cookie },
    });
    expect(page.status).toBe(200);
    nodePage = await page.text();

    await agent.stop();
    agent = undefined;
    await collector.stop();
    out = join(dir, 'evidence');
    evidence = runCollectorCli([
      'evidence',
      '--from',
      fromIso,
      '--to',
      new Date(Date.now() + 600_000).toISOString(),
      '--out',
      out,
      '--data-dir',
      collector.dataDir,
    ]);
  }, 90_000);
  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the agent ships the formula names it does not redact verbatim (the attack reaches the collector)', () => {
    const stored = logins(nodeId);
    for (const user of AGENT_USERS) expect(stored).toContain(user);
    expect(stored.filter((user) => user === '[redacted]').length).toBeGreaterThanOrEqual(2);
    expect(stored).not.toContain(REDACTED_BY_AGENT[0]);
    expect(logins(hostileNode)).toEqual(HOSTILE_USERS);
  });

  it('neutralises every formula cell in every evidence CSV with a leading quote', () => {
    expect(evidence.stderr).not.toMatch(/error/i);
    expect(evidence.status).toBe(0);
    const csvs = readdirSync(out).filter((name) => name.endsWith('.csv'));
    expect(csvs).toContain('logins.csv');
    for (const name of csvs) {
      for (const row of parseCsv(readFileSync(join(out, name), 'utf8'))) {
        for (const cell of row) {
          // Numbers (a negative count) are numbers to a spreadsheet, not formulas.
          if (/^-?\d+(\.\d+)?$/.test(cell)) continue;
          expect(cell, `${name}: ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/);
        }
      }
    }
    const [header, ...rows] = parseCsv(readFileSync(join(out, 'logins.csv'), 'utf8'));
    const userAt = (header as string[]).indexOf('user');
    const users = rows.map((row) => row[userAt]);
    for (const user of [...AGENT_USERS.filter((u) => !u.startsWith('<')), ...HOSTILE_USERS]) {
      expect(users).toContain(`'${user}`);
    }
    expect(users).toContain('<script>alert(x)</script>'); // not a formula: unchanged
    const sourceAt = (header as string[]).indexOf('source');
    expect(rows.map((row) => row[sourceAt])).toContain("'=1+1");
    // As a spreadsheet reads the file: quoted, the quote doubled inside, the leading ' kept.
    expect(readFileSync(join(out, 'logins.csv'), 'utf8')).toContain(`"'=hyperlink(""http://ev.il/x"")"`);
    const summary = parseCsv(readFileSync(join(out, 'logins-summary.csv'), 'utf8'));
    expect(summary.map((row) => row[1])).toContain(`'=HYPERLINK("http://evil.example/x")`);
  });

  it('keeps HTML in user names as text in evidence.md and on the console node page', () => {
    const md = readFileSync(join(out, 'evidence.md'), 'utf8');
    expect(md).toContain('&lt;script>alert(x)&lt;/script>');
    expect(md).not.toContain('<script>');
    expect(nodePage).not.toContain('<script>alert(x)');
    expect(nodePage).toContain('&lt;script&gt;alert(x)&lt;/script&gt;');
  });
});
