import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgentProcess, waitUntil } from '../helpers/agent-process.ts';
import { type CollectorProcess, startCollectorProcess, tokenSecret } from '../helpers/collector-process.ts';

/**
 * Security hygiene on real processes: a collector with an archive, an upstream with a secret
 * header and a signed webhook, an agent shipping to it and an agent with a wrong token. Afterwards
 * no log line of any of them holds a token, the webhook secret or the upstream credential, and
 * every file either wrote is 0600 (or stricter) in a 0700 directory.
 */
const WEBHOOK_SECRET = 'whsec-do-not-log-0123456789abcdef';
const UPSTREAM_SECRET = 'upstream-credential-do-not-log-42';

function walk(dir: string): Array<{ path: string; mode: number; isDir: boolean }> {
  const found: Array<{ path: string; mode: number; isDir: boolean }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    found.push({ path, mode: stat.mode & 0o777, isDir: stat.isDirectory() });
    if (stat.isDirectory()) found.push(...walk(path));
  }
  return found;
}

describe('no secrets in logs; data files 0600 in 0700 directories', () => {
  let collector: CollectorProcess | undefined;
  const agents: AgentProcess[] = [];
  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await collector?.stop();
    rmSync(join(tmpdir(), `perimeter-archive-${process.pid}`), { recursive: true, force: true });
  });

  it('holds for a collector, a shipping agent and a refused agent', async () => {
    const archive = join(tmpdir(), `perimeter-archive-${process.pid}`);
    collector = await startCollectorProcess({
      logLevel: 'debug',
      config: [
        'forward:',
        '  - type: file',
        '    name: archive',
        '    dir: ARCHIVE',
        '  - type: otlp',
        '    name: upstream',
        '    endpoint: http://127.0.0.1:9',
        `    headers: { Authorization: "Bearer ${UPSTREAM_SECRET}" }`,
        'alerting:',
        '  evaluationInterval: 1s',
        '  webhooks:',
        `    - { url: "http://127.0.0.1:9/hook", secret: "${WEBHOOK_SECRET}" }`,
      ]
        .join('\n')
        .replace('ARCHIVE', archive),
    });
    const running = collector;
    const token = running.createToken('careful-node');
    const reader = running.createToken('auditor', 'reader');
    const wrong = `${token.slice(0, -6)}XXXXXX`;
    const shipping = startAgentProcess({
      collectorUrl: running.url,
      token,
      nodeId: 'careful-node',
      interval: '300ms',
      config: 'logins:\n  source: off\n',
    });
    const refused = startAgentProcess({
      collectorUrl: running.url,
      token: wrong,
      nodeId: 'careful-node',
      interval: '300ms',
      config: 'logins:\n  source: off\nship:\n  initialBackoff: 100ms\n  maxBackoff: 200ms\n',
    });
    agents.push(shipping, refused);
    await fetch(`${running.url}/api/v1/drift`, { headers: { authorization: `Bearer ${reader}x` } });
    await waitUntil(
      () => running.query<{ n: number }>('SELECT count(*) AS n FROM batches')[0]!.n >= 3,
      'batches stored',
    );
    await waitUntil(() => refused.output().includes('401'), 'the wrong token refused');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const agent of agents) await agent.stop();
    agents.length = 0;

    const logs = [running.output(), shipping.output(), refused.output()].join('\n');
    expect(logs.length).toBeGreaterThan(1_000);
    for (const secret of [
      tokenSecret(token),
      tokenSecret(wrong),
      tokenSecret(reader),
      WEBHOOK_SECRET,
      UPSTREAM_SECRET,
    ]) {
      expect(logs, `a log holds ${secret.slice(0, 6)}…`).not.toContain(secret);
    }

    await waitUntil(() => walk(archive).length > 0, 'the archive written');
    const files = [
      ...walk(running.dataDir),
      ...walk(shipping.dataDir),
      ...walk(refused.dataDir),
      ...walk(archive),
      { path: archive, mode: lstatSync(archive).mode & 0o777, isDir: true },
    ].filter(
      (entry) => !entry.path.endsWith('.yaml'), // the tests' own config files
    );
    expect(files.some((entry) => entry.path.endsWith('collector.db'))).toBe(true);
    for (const entry of files) {
      expect(entry.mode & 0o077, `${entry.path} is ${entry.mode.toString(8)}`).toBe(0);
    }
  });
});
