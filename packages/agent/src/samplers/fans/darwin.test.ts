import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import type { CommandResult } from '../../host/run-command.ts';
import { createTestContext } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { MACMON_PIPE_LINE } from '../macos/macmon-test-input.ts';
import { createFansSampler } from './index.ts';

function darwin(answer: CommandResult) {
  const calls: string[][] = [];
  const context = createTestContext(createFsRoot('/'), {
    platform: 'darwin',
    runCommand: async (argv) => {
      calls.push([...argv]);
      return answer;
    },
  });
  return { collect: () => createFansSampler(context).collect(), calls };
}

const ok = (stdout: string): CommandResult => ({ status: 'ok', stdout, stderr: '' });

describe('fans sampler on macOS', () => {
  it('reads the fans macmon lists, running exactly `macmon pipe -s 1`', async () => {
    const host = darwin(ok(MACMON_PIPE_LINE));
    expect(await host.collect()).toEqual({
      status: 'ok',
      readings: [
        { metric: 'hw.fan.speed', value: 1234, attributes: { 'hw.id': 'macmon:fan0', 'hw.name': 'fan0' } },
      ],
    });
    expect(host.calls).toEqual([['macmon', 'pipe', '-s', '1']]);
  });

  it('is not available, saying what to install, without macmon; never 0 rpm', async () => {
    expect(await darwin({ status: 'not-found', command: 'macmon' }).collect()).toEqual({
      status: 'not-available-here',
      reason: expect.stringMatching(/SMC: .*macmon not installed; .*install macmon \(brew install macmon/),
    });
  });

  it('tells an old macmon without fan support from a Mac without fans', async () => {
    const old = await darwin(ok('{"temp":{"cpu_temp_avg":40}}')).collect();
    expect(old).toEqual({
      status: 'not-available-here',
      reason: expect.stringContaining('macmon pipe reports no fan data'),
    });
    const fanless = await darwin(ok('{"fans":[]}')).collect();
    expect(fanless).toEqual({
      status: 'not-available-here',
      reason: expect.stringContaining('lists no fan'),
    });
  });

  it('is an error on garbled or truncated macmon output', async () => {
    const result = await darwin(ok(MACMON_PIPE_LINE.slice(0, 30))).collect();
    expect(result.status === 'error' && result.error.message).toMatch(/macmon pipe output unreadable/);
  });
});

describeWithFixtures('fans on a Mac with only mactop', () => {
  it('are not available, because mactop prints no fans; the reason says to install macmon', async () => {
    const mactop = readFileSync(sharedFixturePath('macos', 'mactop-headless-m1ultra.json'), 'utf8');
    const context = createTestContext(createFsRoot('/'), {
      platform: 'darwin',
      runCommand: async (argv) =>
        argv[0] === 'mactop' ? ok(mactop) : { status: 'not-found', command: argv[0] ?? '' },
    });
    expect(await createFansSampler(context).collect()).toEqual({
      status: 'not-available-here',
      reason: expect.stringMatching(/^mactop reports no fan data; .*brew install macmon/),
    });
  });
});

describeWithFixtures('fans from the macmon serve fixture shape', () => {
  it('the exposition names the same fan the pipe reader reports', async () => {
    const { macmonSampleFromExposition } = await import('../macos/macmon-parse.ts');
    const prom = readFileSync(sharedFixturePath('macos', 'macmon-serve-metrics-m3pro.prom'), 'utf8');
    expect(macmonSampleFromExposition(prom).fans).toEqual([{ name: 'fan0', rpm: 1234 }]);
  });
});
