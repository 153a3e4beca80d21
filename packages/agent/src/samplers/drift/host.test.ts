import { describe, expect, it } from 'vitest';
import { systemClock } from '../../host/clock.ts';
import { createFsRoot } from '../../host/fs-root.ts';
import { createRunCommand } from '../../host/run-command.ts';
import { createRecordingLogger } from '../../test-support/context.ts';
import { defaultDriftBaseline } from './baseline.ts';
import { allDriftChecks, checksForPlatform } from './checks/index.ts';
import { runChecks } from './evaluate.ts';
import { createHostProbe } from './host-probe.ts';

/** The Linux checks against THIS machine: real /proc, /etc, /sys and real commands. */
describe.skipIf(process.platform !== 'linux')('drift checks on the real Linux host', () => {
  it('gives every Linux check a verdict with a real value, or a reason, never an error', async () => {
    const uid = process.getuid?.() ?? -1;
    const context = {
      clock: systemClock,
      runCommand: createRunCommand({ timeoutMs: 10_000 }),
      fs: createFsRoot('/'),
      log: createRecordingLogger(),
      platform: 'linux' as const,
    };
    const baseline = {
      ...defaultDriftBaseline,
      params: { listeners: [], workspaceDirs: [{ path: '/tmp', maxAge: '3650d' }] },
    };
    const outcomes = await runChecks(allDriftChecks, context, baseline, {
      isRoot: uid === 0,
      uid,
      probe: createHostProbe('/'),
    });
    expect(outcomes.map((o) => o.id)).toEqual(checksForPlatform(allDriftChecks, 'linux').map((c) => c.id));
    for (const outcome of outcomes) {
      console.info(`${outcome.id}: ${outcome.status} ${outcome.observed ?? ''} ${outcome.reason ?? ''}`);
      expect(['pass', 'fail', 'skipped'], `${outcome.id}: ${outcome.reason}`).toContain(outcome.status);
      if (outcome.status === 'skipped') expect(outcome.reason).toBeTruthy();
      else expect(outcome.observed).toEqual(expect.any(String));
    }
  }, 60_000);
});
