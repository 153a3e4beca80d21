import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import type { CommandResult } from '../../host/run-command.ts';
import { createRecordingLogger, createTestContext } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { MACMON_PIPE_LINE } from '../macos/macmon-test-input.ts';
import { createThermalSampler } from './index.ts';

const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');
const ok = (stdout: string): CommandResult => ({ status: 'ok', stdout, stderr: '' });
const missing = (argv: readonly string[]): CommandResult => ({ status: 'not-found', command: argv[0] ?? '' });

/** A darwin context whose runCommand answers by program name and records every argv. */
function darwin(answers: Record<string, CommandResult | undefined>) {
  const calls: string[][] = [];
  const log = createRecordingLogger();
  const context = createTestContext(createFsRoot('/'), {
    platform: 'darwin',
    log,
    runCommand: async (argv) => {
      calls.push([...argv]);
      return answers[argv[0] ?? ''] ?? missing(argv);
    },
  });
  return {
    collect: () => createThermalSampler(context).collect(),
    sampler: () => createThermalSampler(context),
    calls,
    log,
  };
}

const PRESSURE_0 = { metric: 'perimeter.thermal.pressure', value: 0, attributes: {} };

describeWithFixtures('thermal sampler on macOS', () => {
  it('runs exactly `pmset -g therm`, then the no-root readers in order of preference', async () => {
    const host = darwin({});
    await host.collect();
    expect(host.calls).toEqual([
      ['pmset', '-g', 'therm'],
      ['macmon', 'pipe', '-s', '1'],
      ['mactop', '--headless', '--count', '1'],
    ]);
  });

  it('reports nominal pressure from pmset alone when macmon is not installed', async () => {
    for (const name of ['pmset-therm-m1pro.txt', 'pmset-therm-cpu-power-notify.txt']) {
      const result = await darwin({ pmset: ok(fixture(name)) }).collect();
      expect(result, name).toEqual({ status: 'ok', readings: [PRESSURE_0] });
    }
  });

  it('adds macmon temperatures when macmon is installed', async () => {
    const result = await darwin({
      pmset: ok(fixture('pmset-therm-m1pro.txt')),
      macmon: ok(MACMON_PIPE_LINE),
    }).collect();
    expect(result).toEqual({
      status: 'ok',
      readings: [
        PRESSURE_0,
        {
          metric: 'hw.temperature',
          value: 47.3,
          attributes: { 'hw.id': 'macmon:cpu', 'hw.name': 'CPU average', 'hw.type': 'temperature' },
        },
      ],
    });
  });

  it('keeps the temperatures and warns when pmset output is truncated', async () => {
    const host = darwin({ pmset: ok('Note: No therm'), macmon: ok(MACMON_PIPE_LINE) });
    const result = await host.collect();
    expect(result.status === 'ok' && result.readings.map((r) => r.metric)).toEqual(['hw.temperature']);
    expect(host.log.entries.map((e) => e.level)).toEqual(['warn']);
  });

  it('keeps the pressure and warns when macmon prints garbage', async () => {
    const host = darwin({ pmset: ok(fixture('pmset-therm-m1pro.txt')), macmon: ok('{"temp":{') });
    expect(await host.collect()).toEqual({ status: 'ok', readings: [PRESSURE_0] });
    expect(host.log.entries.map((e) => e.msg)).toEqual(['Mac temperatures unreadable']);
  });

  it('takes temperatures and pressure from mactop, over pmset, when macmon is absent', async () => {
    const result = await darwin({
      pmset: ok(fixture('pmset-therm-m1pro.txt')),
      mactop: ok(fixture('mactop-headless-m1ultra.json')),
    }).collect();
    expect(result.status === 'ok' && result.readings.map((r) => [r.metric, r.value])).toEqual([
      ['perimeter.thermal.pressure', 1],
      ['hw.temperature', 66.51124],
      ['hw.temperature', 59.767166],
      ['hw.temperature', 66.51124],
    ]);
  });

  it('emits thermal.state when the pressure level changes, not on the first reading or when it holds', async () => {
    const moderate = fixture('mactop-headless-m1ultra.json');
    const answers: Record<string, CommandResult | undefined> = {
      pmset: ok(fixture('pmset-therm-m1pro.txt')),
      mactop: ok(moderate.replace('"Moderate"', '"Nominal"')),
    };
    const host = darwin(answers);
    const sampler = host.sampler();
    const first = await sampler.collect();
    expect(first.status === 'ok' && first.events).toBeUndefined();
    answers['mactop'] = ok(moderate);
    const heating = await sampler.collect();
    expect(heating.status === 'ok' && heating.events).toEqual([
      {
        event: 'thermal.state',
        timeMs: Date.UTC(2026, 0, 1),
        body: 'thermal pressure moderate (was nominal)',
        severity: 'info',
        attributes: { 'perimeter.thermal.pressure.level': 1, 'perimeter.thermal.pressure.previous': 0 },
      },
    ]);
    const holding = await sampler.collect();
    expect(holding.status === 'ok' && holding.events).toBeUndefined();
  });
});

describe('thermal sampler on macOS without readings', () => {
  it('is an error, naming both causes, when everything it ran failed', async () => {
    const result = await darwin({
      pmset: ok(''),
      macmon: { status: 'failed', exitCode: 1, stderr: 'boom\n' },
    }).collect();
    expect(result.status === 'error' && result.error.message).toMatch(
      /no thermal warning.*; macmon pipe exited with 1: boom/,
    );
  });

  it('is not available, saying what to install, when neither program exists', async () => {
    const result = await darwin({}).collect();
    expect(result).toEqual({
      status: 'not-available-here',
      reason: expect.stringMatching(
        /pmset not found; no macmon serve .*; macmon not installed; mactop not installed; install macmon \(brew install macmon/,
      ),
    });
  });
});
