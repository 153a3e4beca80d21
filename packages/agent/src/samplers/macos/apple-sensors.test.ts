import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FetchResult } from '../../host/fetch-text.ts';
import { createFsRoot } from '../../host/fs-root.ts';
import type { CommandResult } from '../../host/run-command.ts';
import { createTestContext } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import type { SamplerContext } from '../types.ts';
import { MISSING_RETRY_MS, readAppleSensors } from './apple-sensors.ts';
import { MACMON_PIPE_LINE } from './macmon-test-input.ts';

const fixture = (name: string) => readFileSync(sharedFixturePath('macos', name), 'utf8');
const ok = (stdout: string): CommandResult => ({ status: 'ok', stdout, stderr: '' });

/** A Mac whose programs answer by name and whose macmon serve answers `serve` (or nothing). */
function mac(
  programs: Record<string, CommandResult>,
  serve?: FetchResult,
  options: SamplerContext['options'] = {},
) {
  let now = Date.UTC(2026, 0, 1);
  const calls: string[] = [];
  const fetched: string[] = [];
  const context = createTestContext(createFsRoot('/'), {
    platform: 'darwin',
    clock: { nowMs: () => now },
    options,
    runCommand: async (argv) => {
      calls.push(argv.join(' '));
      await new Promise((resolve) => setTimeout(resolve, 2));
      return programs[argv[0] ?? ''] ?? { status: 'not-found', command: argv[0] ?? '' };
    },
    fetchText: async (url) => {
      fetched.push(url);
      return serve ?? { status: 'unreachable', reason: 'ECONNREFUSED' };
    },
  });
  return { context, calls, fetched, advance: (ms: number) => (now += ms) };
}

describeWithFixtures('the sensor reader with macmon serve running (readme /metrics example, M3 Pro)', () => {
  it('reads it over HTTP at the default address and runs no program at all', async () => {
    const host = mac({}, { status: 'ok', body: fixture('macmon-serve-metrics-m3pro.prom') });
    const outcome = await readAppleSensors(host.context);
    expect(host.fetched).toEqual(['http://127.0.0.1:9090/metrics']);
    expect(host.calls).toEqual([]);
    if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
    expect(outcome.sensors.source).toBe('macmon serve');
    expect(outcome.sensors.fans).toEqual([
      { metric: 'hw.fan.speed', value: 1234, attributes: { 'hw.id': 'macmon:fan0', 'hw.name': 'fan0' } },
    ]);
    expect(outcome.sensors.temperatures).toEqual([
      {
        metric: 'hw.temperature',
        value: 47.3,
        attributes: { 'hw.id': 'macmon:cpu', 'hw.name': 'CPU average', 'hw.type': 'temperature' },
      },
    ]);
    expect(outcome.sensors.power).toEqual([
      { metric: 'hw.power', value: 8.42, attributes: { 'hw.id': 'macmon:cpu', 'hw.name': 'cpu' } },
    ]);
  });

  it('uses the configured URL', async () => {
    const host = mac(
      {},
      { status: 'ok', body: fixture('macmon-serve-metrics-m3pro.prom') },
      {
        macmonUrl: 'http://127.0.0.1:9101/metrics',
      },
    );
    await readAppleSensors(host.context);
    expect(host.fetched).toEqual(['http://127.0.0.1:9101/metrics']);
  });
});

describeWithFixtures('the sensor reader falling back', () => {
  it('runs macmon pipe when serve is not listening, and mactop when macmon is not installed', async () => {
    const pipe = mac({ macmon: ok(MACMON_PIPE_LINE) });
    const fromPipe = await readAppleSensors(pipe.context);
    expect(fromPipe.status === 'ok' && fromPipe.sensors.source).toBe('macmon pipe');
    expect(pipe.calls).toEqual(['macmon pipe -s 1']);

    const top = mac({ mactop: ok(fixture('mactop-headless-m1ultra.json')) });
    const fromTop = await readAppleSensors(top.context);
    expect(top.calls).toEqual(['macmon pipe -s 1', 'mactop --headless --count 1']);
    if (fromTop.status !== 'ok') throw new Error(JSON.stringify(fromTop));
    expect(fromTop.sensors.source).toBe('mactop');
    expect(fromTop.sensors.fans).toBeNull();
    expect(fromTop.sensors.pressureLevel).toBe(1);
    expect(fromTop.sensors.gpuUtilization).toBeCloseTo(0.137, 3);
    expect(fromTop.sensors.temperatures.map((r) => [r.attributes['hw.id'], r.value])).toEqual([
      ['mactop:cpu', 66.51124],
      ['mactop:gpu', 59.767166],
      ['mactop:soc', 66.51124],
    ]);
    expect(fromTop.skipped).toEqual([
      'no macmon serve at http://127.0.0.1:9090/metrics (ECONNREFUSED)',
      'macmon not installed',
    ]);
  });

  it('treats macmon serve answering 503 (no sample yet) as absent, not broken', async () => {
    const host = mac({ macmon: ok(MACMON_PIPE_LINE) }, { status: 'http-error', code: 503 });
    const outcome = await readAppleSensors(host.context);
    expect(outcome.status === 'ok' && outcome.sensors.source).toBe('macmon pipe');
  });

  it('says what to install when no reader is there, and does not spawn the missing ones every round', async () => {
    const host = mac({});
    expect(await readAppleSensors(host.context)).toEqual({
      status: 'missing',
      reason: expect.stringMatching(
        /^no macmon serve at .*; macmon not installed; mactop not installed; install macmon \(brew install macmon/,
      ),
    });
    expect(host.calls).toHaveLength(2);
    host.advance(10_000);
    await readAppleSensors(host.context);
    expect(host.calls).toHaveLength(2);
    expect(host.fetched).toHaveLength(2);
    host.advance(MISSING_RETRY_MS);
    await readAppleSensors(host.context);
    expect(host.calls).toHaveLength(4);
  });

  it('is an error naming the broken reader when one is installed but fails', async () => {
    const host = mac({ macmon: { status: 'failed', exitCode: 1, stderr: 'Error: IOReport\n' } });
    const outcome = await readAppleSensors(host.context);
    expect(outcome.status === 'error' && outcome.error.message).toBe(
      'macmon pipe exited with 1: Error: IOReport',
    );
  });

  it('runs powermetrics through sudo -n only when opted in, and says it needs root without the rule', async () => {
    const refused: CommandResult = {
      status: 'failed',
      exitCode: 1,
      stderr: 'sudo: a password is required\n',
    };
    const off = mac({ sudo: refused });
    await readAppleSensors(off.context);
    expect(off.calls.some((c) => c.startsWith('sudo'))).toBe(false);
    const on = mac({ sudo: refused }, undefined, { powermetricsViaSudo: true });
    const outcome = await readAppleSensors(on.context);
    expect(on.calls.at(-1)).toBe(
      'sudo -n /usr/bin/powermetrics -n 1 -i 1000 -f plist --samplers cpu_power,gpu_power,thermal',
    );
    expect(outcome.status === 'missing' && outcome.reason).toContain('deploy/sudoers/perimeter-powermetrics');
  });

  it('reads power, GPU residency and pressure from the real powermetrics thermal sample through sudo', async () => {
    const host = mac({ sudo: ok(fixture('powermetrics-thermal-mac16_6.plist')) }, undefined, {
      powermetricsViaSudo: true,
    });
    const outcome = await readAppleSensors(host.context);
    if (outcome.status !== 'ok') throw new Error(JSON.stringify(outcome));
    expect(outcome.sensors.source).toBe('powermetrics');
    expect(outcome.sensors.pressureLevel).toBe(0);
    expect(outcome.sensors.temperatures).toEqual([]);
  });
});

describe('the sensor reader across samplers', () => {
  it('shares one run between concurrent readers (thermal, fans, gpu), and runs again next round', async () => {
    const host = mac({ macmon: ok(MACMON_PIPE_LINE) });
    const [a, b, c] = await Promise.all([
      readAppleSensors(host.context),
      readAppleSensors(host.context),
      readAppleSensors(host.context),
    ]);
    expect(host.calls).toEqual(['macmon pipe -s 1']);
    expect(a).toBe(b);
    expect(b).toBe(c);
    await readAppleSensors(host.context);
    expect(host.calls).toHaveLength(2);
  });
});
