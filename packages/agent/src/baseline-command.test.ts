import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './main.ts';

/**
 * `perimeter-agent baseline capture` on a host tree (the drift tests' hand-made Linux host): the
 * printed YAML is a valid baseline expecting what was observed, so `once` against it passes every
 * captured check; then one file the checks read is changed, and exactly that check fails.
 */
let dir: string;
let host: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'perimeter-baseline-'));
  host = join(dir, 'host');
  cpSync(join(import.meta.dirname, 'samplers', 'drift', 'testdata', 'linux-host'), host, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _encoding, done) {
        into.push(String(chunk));
        done();
      },
    });
  const code = await runCli([...argv, '--log-level', 'silent'], {
    env: {},
    stdout: sink(out),
    stderr: sink(err),
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

type Once = { readings: Array<{ metric: string; value: number; attributes: Record<string, string> }> };
const driftGauges = (stdout: string) =>
  Object.fromEntries(
    (JSON.parse(stdout) as Once).readings
      .filter((r) => r.metric === 'perimeter.drift.check')
      .map((r) => [r.attributes['check.id'], r.value]),
  );

describe('perimeter-agent baseline capture', () => {
  // The hand-made host tree is a Linux one: its checks run only where the agent runs the Linux set.
  it.skipIf(process.platform !== 'linux')(
    'prints a baseline of what it observed, which then passes, and a changed file fails its check',
    async () => {
      const captured = await cli('baseline', 'capture', '--fs-root', host);
      expect(captured.code, captured.stderr).toBe(0);
      const doc = parse(captured.stdout) as { version: number; checks: Record<string, { expect: unknown }> };
      expect(doc.version).toBe(1);
      expect(doc.checks['linux.sshd.permit-root-login']).toBeDefined();
      expect(captured.stdout).toMatch(/# .*\[SOC2:CC6\.1,.*ISO27001:A\.8\.2/);

      const baseline = join(dir, 'baseline.yaml');
      writeFileSync(baseline, captured.stdout);
      const config = join(dir, 'agent.yaml');
      writeFileSync(config, `drift:\n  baseline: ${baseline}\n`);
      const before = driftGauges((await cli('once', '--json', '--config', config, '--fs-root', host)).stdout);
      const captureIds = Object.keys(doc.checks);
      expect(captureIds.length).toBeGreaterThan(2);
      for (const id of captureIds) expect(before[id], id).toBe(1);

      const sshd = join(host, 'etc', 'ssh', 'sshd_config');
      writeFileSync(sshd, 'PermitRootLogin yes\nPasswordAuthentication no\n');
      const after = driftGauges((await cli('once', '--json', '--config', config, '--fs-root', host)).stdout);
      const changed = Object.keys(after).filter((id) => after[id] !== before[id]);
      expect(changed).toEqual(['linux.sshd.permit-root-login']);
    },
  );

  it('says what is missing for a bare or unknown subcommand (exit 2)', async () => {
    expect(await cli('baseline')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('baseline capture'),
    });
    expect(await cli('baseline', 'apply')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown subcommand "apply"'),
    });
  });
});
