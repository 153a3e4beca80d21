import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { createTestContext } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../test-support/ttar.ts';
import { collectLinuxGpus } from './linux.ts';

/**
 * Pins amdgpu.ts's rule "a card without gpu_busy_percent is not ours". The real procfs tree alone
 * cannot: its only other card (i915) has no memory files either, so it would give no readings with
 * or without the rule. These trees are derived from it: card0 with gpu_busy_percent removed (a
 * card with VRAM files but no busy counter), and a card2 copied from card0 the same way beside
 * the intact card0.
 */

const DRM = ['fixtures', 'sys', 'class', 'drm'];

describeWithFixtures('amdgpu skips cards without gpu_busy_percent (derived from the procfs drm tree)', () => {
  let tree: UnpackedTtar;
  const drm = (...parts: string[]) => join(tree.root, ...DRM, ...parts);
  beforeEach(() => {
    tree = unpackTtarFiles(sharedFixturePath('linux', 'procfs-sys-class-drm-amdgpu.ttar'));
  });
  afterEach(() => tree.remove());

  const collect = () => collectLinuxGpus(createTestContext(createFsRoot(join(tree.root, 'fixtures'))));

  it('reports nothing, and no GPU, for a card with VRAM files but no gpu_busy_percent', async () => {
    rmSync(drm('card0', 'device', 'gpu_busy_percent'));
    expect(readFileSync(drm('card0', 'device', 'mem_info_vram_total'), 'utf8')).toBe('8573157376\n');
    expect(await collect()).toEqual({
      status: 'not-available-here',
      reason: expect.stringContaining('no amdgpu card under'),
    });
  });

  it('keeps the real card and leaves out a busy-less card beside it entirely', async () => {
    cpSync(drm('card0'), drm('card2'), { recursive: true, verbatimSymlinks: true });
    rmSync(drm('card2', 'device', 'gpu_busy_percent'));
    const uevent = drm('card2', 'device', 'uevent');
    writeFileSync(uevent, readFileSync(uevent, 'utf8').replace('0000:09:00.0', '0000:0a:00.0'));
    const result = await collect();
    expect(
      result.status === 'ok' && result.readings.map((r) => [r.metric, r.attributes['hw.id'], r.value]),
    ).toEqual([
      ['hw.gpu.utilization', '0000:09:00.0', 0.04],
      ['hw.gpu.memory.usage', '0000:09:00.0', 1490378752],
      ['hw.gpu.memory.limit', '0000:09:00.0', 8573157376],
    ]);
  });
});
