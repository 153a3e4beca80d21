import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import type { CommandResult } from '../../host/run-command.ts';
import { createTestContext } from '../../test-support/context.ts';
import { collectLinuxGpus } from './linux.ts';

// Merging is only "ok" with readings; these hosts have neither vendor's GPU (an empty /sys root).
describe('collectLinuxGpus without any GPU', () => {
  const root = mkdtempSync(join(tmpdir(), 'perimeter-gpu-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const collect = (answer: CommandResult) =>
    collectLinuxGpus(createTestContext(createFsRoot(root), { runCommand: async () => answer }));

  it('is not available, giving both vendors’ reasons, when neither has anything', async () => {
    expect(await collect({ status: 'not-found', command: 'nvidia-smi' })).toEqual({
      status: 'not-available-here',
      reason: `nvidia-smi not installed; no amdgpu card under ${root} (sys/class/drm)`,
    });
  });

  it('is an error when nvidia-smi fails and there is no AMD GPU to report instead', async () => {
    const result = await collect({ status: 'failed', exitCode: 15, stderr: 'Unknown Error\n' });
    expect(result.status === 'error' && result.error.message).toBe(
      'nvidia-smi exited with 15: Unknown Error',
    );
  });
});
