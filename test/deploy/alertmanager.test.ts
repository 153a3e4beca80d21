import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * deploy/alertmanager/alertmanager.yml: `amtool check-config` accepts it, and `amtool config
 * routes test` (Alertmanager's own router, offline) sends critical to the pager and warning to
 * chat. The inhibit rule that lets NodeDown silence the node's other alerts is read from the
 * file: amtool has no offline inhibition check.
 */

const FILE = resolve(import.meta.dirname, '../../deploy/alertmanager/alertmanager.yml');
const amtool = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin']
  .map((dir) => join(dir, 'amtool'))
  .find((path) => path.startsWith('/') && existsSync(path));
const noAmtool = 'amtool not installed (Debian: apt-get install -y prometheus-alertmanager)';
if (amtool === undefined) console.warn(`alertmanager.test.ts: ${noAmtool}; skipped`);

interface Route {
  receiver?: string;
  group_by?: string[];
  matchers?: string[];
  routes?: Route[];
}
interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}
const config = parse(readFileSync(FILE, 'utf8')) as {
  route: Route;
  inhibit_rules: InhibitRule[];
  receivers: Record<string, unknown>[];
};

function routeFor(labels: string[]): string {
  const result = spawnSync(
    amtool ?? 'amtool',
    ['config', 'routes', 'test', `--config.file=${FILE}`, ...labels],
    {
      encoding: 'utf8',
    },
  );
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe('deploy/alertmanager/alertmanager.yml', () => {
  it('groups by alertname and node', () => {
    expect(config.route.group_by).toEqual(['alertname', 'node']);
  });

  it('lets NodeDown inhibit every other alert of the same node', () => {
    expect(config.inhibit_rules).toContainEqual({
      source_matchers: ['alertname="NodeDown"'],
      target_matchers: ['alertname!="NodeDown"'],
      equal: ['node'],
    });
  });

  it('reads receiver secrets from files, never inline', () => {
    const text = readFileSync(FILE, 'utf8');
    expect(text).not.toMatch(/^\s*(routing_key|service_key|api_url|url):\s*https?:\/\/hooks\.slack/m);
    expect(text).not.toMatch(/^\s*(routing_key|service_key|api_url):/m);
  });

  it.skipIf(amtool === undefined)(
    `passes amtool check-config${amtool === undefined ? ` (skipped: ${noAmtool})` : ''}`,
    () => {
      const result = spawnSync(amtool ?? 'amtool', ['check-config', FILE], { encoding: 'utf8' });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('SUCCESS');
    },
  );

  it.skipIf(amtool === undefined)(
    `routes critical to the pager and warning to chat${amtool === undefined ? ` (skipped: ${noAmtool})` : ''}`,
    () => {
      const receivers = new Map(config.receivers.map((r) => [r['name'], r]));
      const pager = routeFor(['severity=critical', 'alertname=NodeDown', 'node=mini-01']);
      const chat = routeFor(['severity=warning', 'alertname=ThermalLimit', 'node=mini-01']);
      expect(pager).not.toBe(chat);
      expect(receivers.get(pager)).toHaveProperty('pagerduty_configs');
      expect(receivers.get(chat)).toHaveProperty('slack_configs');
      // A fleet-wide critical alert (no node label) pages too.
      expect(routeFor(['severity=critical', 'alertname=ForwardDropping'])).toBe(pager);
    },
  );
});
