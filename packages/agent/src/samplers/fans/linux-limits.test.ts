import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FsRoot } from '../../host/fs-root.ts';
import { createFsRoot } from '../../host/fs-root.ts';
import { createRecordingLogger, failingFsRoot } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { readPromSamples } from '../../test-support/prom.ts';
import { type UnpackedTtar, unpackTtarText } from '../../test-support/ttar.ts';
import { applesmcTtarExcerpt } from '../../test-support/upstream-excerpts.ts';
import type { MetricReading, SampleResult } from '../types.ts';
import { collectLinuxFans } from './linux.ts';

const linuxFixture = (...parts: string[]) => sharedFixturePath('linux', ...parts);

/** node_exporter's e2e metric for each hwmon fan limit → our hw.limit_type. */
const PROM_LIMITS = {
  node_hwmon_fan_min_rpm: 'low.critical',
  node_hwmon_fan_max_rpm: 'max',
  node_hwmon_fan_target_rpm: 'target',
} as const;

function readingsOf(result: SampleResult): MetricReading[] {
  if (result.status !== 'ok') {
    throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  }
  return result.readings;
}

const limitsOf = (readings: MetricReading[]) =>
  Object.fromEntries(
    readings
      .filter((r) => r.metric === 'hw.fan.speed.limit')
      .map((r) => [`${r.attributes['hw.id']} ${r.attributes['hw.limit_type']}`, r.value]),
  );

describeWithFixtures('Linux fan limits on the node_exporter hwmon tree', () => {
  let tree: UnpackedTtar;
  beforeAll(() => {
    // The shared excerpt plus the applesmc blocks it lost (upstream-excerpts.ts): the tree
    // node_exporter's e2e output was read from, two applesmc fans and the nct6779 one.
    const shared = readFileSync(linuxFixture('node_exporter-sys-hwmon.ttar'), 'utf8');
    tree = unpackTtarText(shared + applesmcTtarExcerpt, 'node_exporter hwmon tree');
  });
  afterAll(() => tree.remove());

  const collect = async (fs: FsRoot) => readingsOf(await collectLinuxFans(fs, createRecordingLogger()));

  it('reports every fan min/max/target node_exporter reports for the tree, with the same value, and no other', async () => {
    const expected: Record<string, number> = {};
    for (const [metric, limitType] of Object.entries(PROM_LIMITS)) {
      for (const { labels, value } of readPromSamples(linuxFixture('node_exporter-e2e-hwmon.prom'), metric)) {
        expected[`hwmon:${labels.chip}:${labels.sensor} ${limitType}`] = value;
      }
    }
    expect(expected).toEqual({
      'hwmon:nct6779:fan2 low.critical': 0,
      'hwmon:nct6779:fan2 target': 27000,
      'hwmon:platform_applesmc_768:fan1 low.critical': 2160,
      'hwmon:platform_applesmc_768:fan1 max': 6156,
      'hwmon:platform_applesmc_768:fan2 low.critical': 2000,
      'hwmon:platform_applesmc_768:fan2 max': 5700,
    });
    expect(limitsOf(await collect(createFsRoot(tree.root)))).toEqual(expected);
  });

  it('gives a limit exactly the attributes of its speed reading plus hw.limit_type', async () => {
    const readings = await collect(createFsRoot(tree.root));
    const fan1 = readings.filter((r) => r.attributes['hw.id'] === 'hwmon:platform_applesmc_768:fan1');
    const attributes = { 'hw.id': 'hwmon:platform_applesmc_768:fan1', 'hw.name': 'Left side' };
    expect(fan1).toEqual([
      {
        metric: 'hw.fan.speed.limit',
        value: 2160,
        attributes: { ...attributes, 'hw.limit_type': 'low.critical' },
      },
      { metric: 'hw.fan.speed.limit', value: 6156, attributes: { ...attributes, 'hw.limit_type': 'max' } },
      { metric: 'hw.fan.speed', value: 0, attributes },
    ]);
  });

  it('reports no limits for a fan whose speed cannot be read (never a fan that is not there)', async () => {
    const fs = failingFsRoot(createFsRoot(tree.root), {
      '/sys/class/hwmon/hwmon2/device/fan2_input': 'EAGAIN',
    });
    const readings = await collect(fs);
    expect(readings.filter((r) => r.attributes['hw.id'] === 'hwmon:platform_applesmc_768:fan2')).toEqual([]);
    expect(Object.keys(limitsOf(readings))).toHaveLength(4);
  });
});
