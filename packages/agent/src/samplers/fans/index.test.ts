import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { createTestContext, failingFsRoot } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { readPromSamples } from '../../test-support/prom.ts';
import { type UnpackedTtar, unpackTtarFiles, unpackTtarText } from '../../test-support/ttar.ts';
import { applesmcTtarExcerpt } from '../../test-support/upstream-excerpts.ts';
import type { MetricReading, SampleResult } from '../types.ts';
import { createFansSampler } from './index.ts';

const linuxFixture = (...parts: string[]) => sharedFixturePath('linux', ...parts);

function readingsOf(result: SampleResult): MetricReading[] {
  if (result.status !== 'ok') {
    throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  }
  return result.readings;
}

const byId = (readings: MetricReading[]) => new Map(readings.map((r) => [String(r.attributes['hw.id']), r]));

describeWithFixtures('fans sampler on node_exporter-sys-hwmon.ttar', () => {
  let tree: UnpackedTtar;
  beforeAll(() => {
    tree = unpackTtarFiles(linuxFixture('node_exporter-sys-hwmon.ttar'));
  });
  afterAll(() => tree.remove());

  it('reads the fans node_exporter read from the same tree, with the same rpm', async () => {
    const readings = byId(
      readingsOf(await createFansSampler(createTestContext(createFsRoot(tree.root))).collect()),
    );
    const expected = readPromSamples(linuxFixture('node_exporter-e2e-hwmon.prom'), 'node_hwmon_fan_rpm');
    // The shared excerpt lacks sys/devices/platform/applesmc.768/fan*_input (see upstream-excerpts.ts),
    // so node_exporter's two applesmc fans cannot be in this tree; the excerpt test below covers them.
    const notInSharedTree = new Set(['hwmon:platform_applesmc_768:fan1', 'hwmon:platform_applesmc_768:fan2']);
    expect(expected).toHaveLength(3);
    for (const { labels, value } of expected) {
      const id = `hwmon:${labels.chip}:${labels.sensor}`;
      if (!notInSharedTree.has(id) || readings.has(id)) {
        expect(readings.get(id)?.value, id).toBe(value);
      }
    }
    expect(readings.get('hwmon:nct6779:fan2')).toEqual({
      metric: 'hw.fan.speed',
      value: 1098,
      attributes: { 'hw.id': 'hwmon:nct6779:fan2', 'hw.name': 'nct6779 fan2' },
    });
    const expectedIds = new Set(expected.map(({ labels }) => `hwmon:${labels.chip}:${labels.sensor}`));
    expect([...readings.keys()].filter((id) => !expectedIds.has(id))).toEqual([]);
  });

  it('skips a fan whose input fails to read instead of reporting 0 rpm', async () => {
    const fs = failingFsRoot(createFsRoot(tree.root), { '/sys/class/hwmon/hwmon3/fan2_input': 'ENXIO' });
    const result = await createFansSampler(createTestContext(fs)).collect();
    expect(result).toEqual({
      status: 'not-available-here',
      reason: expect.stringContaining('no readable fan'),
    });
  });
});

describe('fans sampler on applesmc, whose fans and name live on device/', () => {
  let tree: UnpackedTtar;
  beforeAll(() => {
    tree = unpackTtarText(applesmcTtarExcerpt, 'applesmc excerpt');
  });
  afterAll(() => tree.remove());

  it('reports a stopped fan as a real 0 rpm and names fans by their labels', async () => {
    const readings = readingsOf(
      await createFansSampler(createTestContext(createFsRoot(tree.root))).collect(),
    );
    expect(readings.filter((r) => r.metric === 'hw.fan.speed')).toEqual([
      {
        metric: 'hw.fan.speed',
        value: 0,
        attributes: { 'hw.id': 'hwmon:platform_applesmc_768:fan1', 'hw.name': 'Left side' },
      },
      {
        metric: 'hw.fan.speed',
        value: 1998,
        attributes: { 'hw.id': 'hwmon:platform_applesmc_768:fan2', 'hw.name': 'Right side' },
      },
    ]);
  });

  it('drops only the fan whose read fails', async () => {
    const fs = failingFsRoot(createFsRoot(tree.root), {
      '/sys/class/hwmon/hwmon2/device/fan2_input': 'EAGAIN',
    });
    const readings = readingsOf(await createFansSampler(createTestContext(fs)).collect()).filter(
      (r) => r.metric === 'hw.fan.speed',
    );
    expect(readings.map((r) => [r.attributes['hw.id'], r.value])).toEqual([
      ['hwmon:platform_applesmc_768:fan1', 0],
    ]);
  });
});

describe('fans sampler platform dispatch and fanless hosts', () => {
  it('dispatches macOS to the macmon reader (darwin.test.ts covers it)', async () => {
    const result = await createFansSampler(
      createTestContext(createFsRoot('/'), { platform: 'darwin' }),
    ).collect();
    expect(result).toEqual({
      status: 'not-available-here',
      reason: expect.stringContaining('brew install macmon'),
    });
  });

  it.runIf(process.platform === 'linux')('reads this host /sys: finite rpm, or not available', async () => {
    const result = await createFansSampler(createTestContext(createFsRoot('/'))).collect();
    if (result.status === 'ok') {
      for (const reading of result.readings) {
        expect(Number.isFinite(reading.value) && reading.value >= 0).toBe(true);
      }
    } else {
      expect(result.status).toBe('not-available-here');
    }
  });
});

describeWithFixtures('fans sampler on the thermal_zone fixture', () => {
  it('is not available on a tree with thermal zones but no hwmon fans', async () => {
    const tree = unpackTtarFiles(linuxFixture('node_exporter-sys-thermal_zone.ttar'));
    try {
      const result = await createFansSampler(createTestContext(createFsRoot(tree.root))).collect();
      expect(result.status).toBe('not-available-here');
    } finally {
      tree.remove();
    }
  });
});
