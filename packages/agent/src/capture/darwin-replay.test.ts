import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IOREG_ACCELERATOR_ARGV } from '../samplers/gpu/darwin.ts';
import { MACMON_PIPE_ARGV } from '../samplers/macos/macmon.ts';
import { PMSET_THERM_ARGV } from '../samplers/thermal/darwin.ts';
import { describeWithFixtures, sharedFixturePath } from '../test-support/fixtures.ts';
import type { Manifest } from './manifest.ts';

// A Mac's capture built from the real macOS fixtures (read in place), replayed on this machine by
// the real CLI: the darwin readers run on the recorded outputs. There is no real `macmon pipe`
// capture, so macmon is left out of the manifest and answers as on a Mac without it (not-found).

const cliPath = join(import.meta.dirname, '..', 'cli.ts');
let dir: string;

function agent(...args: string[]) {
  const run = spawnSync(
    process.execPath,
    [cliPath, ...args, '--from-capture', dir, '--log-level', 'silent'],
    {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] },
    },
  );
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describeWithFixtures('a darwin capture made of the real macOS fixtures', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'perimeter-darwin-capture-'));
    const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');
    writeFileSync(join(dir, 'pmset.stdout'), fixture('pmset-therm-m1pro.txt'));
    writeFileSync(join(dir, 'ioreg.stdout'), fixture('ioreg-IOAccelerator-m4.txt'));
    writeFileSync(join(dir, 'empty.stderr'), '');
    const manifest: Manifest = {
      formatVersion: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      platform: 'darwin',
      arch: 'arm64',
      hostname: 'mac-mini-07.local',
      fsRoot: '/',
      commands: [
        { argv: [...PMSET_THERM_ARGV], status: 'ok', stdoutFile: 'pmset.stdout', stderrFile: 'empty.stderr' },
        {
          argv: [...IOREG_ACCELERATOR_ARGV],
          status: 'ok',
          stdoutFile: 'ioreg.stdout',
          stderrFile: 'empty.stderr',
        },
      ],
      files: [],
      dirs: [],
      realPaths: [],
    };
    expect(manifest.commands.some((c) => c.argv[0] === MACMON_PIPE_ARGV[0])).toBe(false);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('once --json prints thermal pressure 0 and the M4 Metal GPU at 0.01, as the Mac would', () => {
    const { code, stdout, stderr } = agent('once', '--json');
    expect(code, stderr).toBe(0);
    const doc = JSON.parse(stdout) as {
      node: string;
      readings: Array<{ metric: string; value: number; attributes: Record<string, unknown> }>;
      samplers: Array<{ name: string; status: string; reason?: string }>;
    };
    expect(doc.node).toBe('mac-mini-07.local');
    expect(doc.readings).toContainEqual({
      metric: 'perimeter.thermal.pressure',
      unit: '{level}',
      value: 0,
      attributes: {},
    });
    expect(doc.readings).toContainEqual({
      metric: 'hw.gpu.utilization',
      unit: '1',
      value: 0.01,
      attributes: { 'hw.id': 'gpu0', 'hw.name': 'Apple M4', 'hw.gpu.task': 'general' },
    });
    const byName = Object.fromEntries(doc.samplers.map((s) => [s.name, s]));
    expect(byName['fans']).toMatchObject({ status: 'not-available-here' });
    expect(byName['fans']?.reason).toContain('macmon not installed');
    expect(byName['system']).toMatchObject({ status: 'not-available-here' });
    expect(byName['system']?.reason).toContain('not replayable from a capture');
  });

  it('probe explains fans (macmon not installed) and the root-only powermetrics', () => {
    const { code, stdout, stderr } = agent('probe');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(
      /^fans +hw\.fan\.speed +not on this host +macmon pipe -s 1 +macmon not installed: install macmon/m,
    );
    expect(stdout).toMatch(/^thermal +perimeter\.thermal\.pressure +available +pmset -g therm/m);
    expect(stdout).toMatch(/^gpu +hw\.gpu\.utilization +available +ioreg/m);
    expect(stdout).toMatch(/powermetrics +needs root; not used/);
    expect(stdout).toMatch(/^hint: fan speed on a Mac: install macmon/m);
    const json = JSON.parse(agent('probe', '--json').stdout) as {
      platform: string;
      rows: Array<{ status: string }>;
    };
    expect(json.platform).toBe('darwin');
    expect(json.rows.filter((r) => r.status === 'needs root')).toHaveLength(1);
  });
});
