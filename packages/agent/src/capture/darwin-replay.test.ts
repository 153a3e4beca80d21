import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IOREG_ACCELERATOR_ARGV } from '../samplers/gpu/darwin.ts';
import { DEFAULT_MACMON_URL } from '../samplers/macos/macmon.ts';
import { MACTOP_ARGV } from '../samplers/macos/mactop.ts';
import { PMSET_THERM_ARGV } from '../samplers/thermal/darwin.ts';
import { describeWithFixtures, sharedFixturePath } from '../test-support/fixtures.ts';
import type { Manifest } from './manifest.ts';

// Two Macs' captures built from the real macOS fixtures (read in place), replayed on this machine
// by the real CLI, so the darwin readers run end to end on Linux:
// - a Mac mini running `macmon serve` (readme /metrics example: fan0 1234 rpm, CPU 47.3 °C, 8.42 W),
//   with pmset's nominal pressure and the M4's ioreg Metal statistics;
// - a Mac with only mactop (readme headless example: 66.5 °C CPU, 59.8 °C GPU, 13.7 % GPU,
//   "Moderate"), whose pmset cannot name a level, so the pressure comes from mactop.
// Anything a capture does not hold answers as on a Mac without it (not-found, unreachable).

const cliPath = join(import.meta.dirname, '..', 'cli.ts');
const dirs: string[] = [];
let macmonMac: string;
let mactopMac: string;

type Once = {
  node: string;
  readings: Array<{ metric: string; value: number; attributes: Record<string, unknown> }>;
  samplers: Array<{ name: string; status: string; reason?: string }>;
};

function agent(dir: string, ...args: string[]) {
  const run = spawnSync(
    process.execPath,
    [cliPath, ...args, '--from-capture', dir, '--log-level', 'silent'],
    { encoding: 'utf8', env: { PATH: process.env['PATH'] } },
  );
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function once(dir: string): Once {
  const { code, stdout, stderr } = agent(dir, 'once', '--json');
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Once;
}

const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');

function writeMac(hostname: string, files: Record<string, string>, manifest: Partial<Manifest>): string {
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-darwin-capture-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries({ ...files, 'empty.stderr': '' })) {
    writeFileSync(join(dir, name), text);
  }
  const whole: Manifest = {
    formatVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    platform: 'darwin',
    arch: 'arm64',
    hostname,
    fsRoot: '/',
    commands: [],
    http: [],
    files: [],
    dirs: [],
    realPaths: [],
    ...manifest,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(whole));
  return dir;
}

const ran = (argv: readonly string[], stdoutFile: string) => ({
  argv: [...argv],
  status: 'ok' as const,
  stdoutFile,
  stderrFile: 'empty.stderr',
});

describeWithFixtures('darwin captures made of the real macOS fixtures', () => {
  beforeAll(() => {
    macmonMac = writeMac(
      'mac-mini-07.local',
      {
        'pmset.stdout': fixture('pmset-therm-m1pro.txt'),
        'ioreg.stdout': fixture('ioreg-IOAccelerator-m4.txt'),
        'macmon.txt': fixture('macmon-serve-metrics-m3pro.prom'),
      },
      {
        commands: [ran(PMSET_THERM_ARGV, 'pmset.stdout'), ran(IOREG_ACCELERATOR_ARGV, 'ioreg.stdout')],
        http: [{ url: DEFAULT_MACMON_URL, status: 'ok', bodyFile: 'macmon.txt' }],
      },
    );
    mactopMac = writeMac(
      'mac-studio-02.local',
      {
        'pmset.stdout': 'Note: No thermal warning level has been recorded\n',
        'mactop.json': fixture('mactop-headless-m1ultra.json'),
      },
      { commands: [ran(PMSET_THERM_ARGV, 'pmset.stdout'), ran(MACTOP_ARGV, 'mactop.json')] },
    );
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('once --json on the macmon serve Mac: fan speed, temperature, thermal pressure, GPU load and power', () => {
    const doc = once(macmonMac);
    expect(doc.node).toBe('mac-mini-07.local');
    expect(doc.readings).toContainEqual({
      metric: 'hw.fan.speed',
      unit: 'rpm',
      value: 1234,
      attributes: { 'hw.id': 'macmon:fan0', 'hw.name': 'fan0' },
    });
    expect(doc.readings).toContainEqual({
      metric: 'hw.temperature',
      unit: 'Cel',
      value: 47.3,
      attributes: { 'hw.id': 'macmon:cpu', 'hw.name': 'CPU average', 'hw.type': 'temperature' },
    });
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
    expect(doc.readings).toContainEqual({
      metric: 'hw.power',
      unit: 'W',
      value: 8.42,
      attributes: { 'hw.id': 'macmon:cpu', 'hw.name': 'cpu' },
    });
    const byName = Object.fromEntries(doc.samplers.map((s) => [s.name, s]));
    expect(byName['fans']).toMatchObject({ status: 'ok' });
    expect(byName['system']).toMatchObject({ status: 'not-available-here' });
    expect(byName['system']?.reason).toContain('not replayable from a capture');
  });

  it('once --json on the mactop Mac: temperatures, pressure 1 (Moderate) and GPU 13.7 %; fans explained', () => {
    const doc = once(mactopMac);
    const values = (metric: string) => doc.readings.filter((r) => r.metric === metric).map((r) => r.value);
    expect(values('hw.temperature')).toEqual([66.51124, 59.767166, 66.51124]);
    expect(values('perimeter.thermal.pressure')).toEqual([1]);
    expect(values('hw.gpu.utilization')).toEqual([0.13709099344350134]);
    const power = doc.readings.filter((r) => r.metric === 'hw.power');
    expect(Object.fromEntries(power.map((r) => [r.attributes['hw.name'], r.value]))).toEqual({
      cpu: 5.971,
      gpu: 1.43491417,
      ane: 0,
      dram: 4.119,
      package: 11.564914169999998,
      system: 45.92987823486328,
    });
    const fans = doc.samplers.find((s) => s.name === 'fans');
    expect(fans).toMatchObject({ status: 'not-available-here' });
    expect(fans?.reason).toMatch(/mactop reports no fan data.*brew install macmon/);
  });

  it('probe names the source of each reading, and why fans are missing where they are', () => {
    const serve = agent(macmonMac, 'probe');
    expect(serve.code, serve.stderr).toBe(0);
    expect(serve.stdout).toMatch(
      /^fans +hw\.fan\.speed +available +macmon serve http:\/\/127\.0\.0\.1:9090\/metrics +1 seen/m,
    );
    expect(serve.stdout).toMatch(/^thermal +perimeter\.thermal\.pressure +available +pmset -g therm/m);
    expect(serve.stdout).toMatch(/^gpu +hw\.gpu\.utilization +available +ioreg/m);
    expect(serve.stdout).toMatch(/^gpu +hw\.power +available +macmon serve/m);
    expect(serve.stdout).toMatch(/powermetrics +needs root; used only with hardware\.powermetricsViaSudo/);
    expect(serve.stdout).not.toMatch(/^hint:/m);

    const top = agent(mactopMac, 'probe');
    expect(top.stdout).toMatch(/^thermal +hw\.temperature +available +mactop --headless --count 1 +3 seen/m);
    expect(top.stdout).toMatch(/^fans +hw\.fan\.speed +not on this host +.*macmon not installed/m);
    expect(top.stdout).toMatch(/^hint: fan speed on a Mac: install macmon/m);
    const json = JSON.parse(agent(mactopMac, 'probe', '--json').stdout) as {
      platform: string;
      rows: Array<{ status: string }>;
    };
    expect(json.platform).toBe('darwin');
    expect(json.rows.filter((r) => r.status === 'needs root')).toHaveLength(1);
  });
});
