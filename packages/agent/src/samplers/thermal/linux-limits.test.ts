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
import { collectLinuxTemperatures } from './linux.ts';

const linuxFixture = (...parts: string[]) => sharedFixturePath('linux', ...parts);

/** node_exporter's e2e metric for each hwmon temperature threshold → our hw.limit_type. */
const PROM_LIMITS = {
  node_hwmon_temp_crit_celsius: 'high.critical',
  node_hwmon_temp_max_celsius: 'high.degraded',
  node_hwmon_temp_min_celsius: 'low.degraded',
  node_hwmon_temp_lcrit_celsius: 'low.critical',
  node_hwmon_temp_emergency_celsius: 'max',
} as const;

// node_exporter's NVMe chip sits in the shared tree without its /sys/class/hwmon link (its e2e
// output has no nvme series); linking it in gives a real chip with real unset-threshold sentinels.
const NVME_LINK = `Path: sys/class/hwmon/hwmon9
SymlinkTo: ../../devices/pci0000:00/0000:00:02.1/0000:01:00.0/nvme/nvme0/hwmon3
`;

function readingsOf(result: SampleResult): MetricReading[] {
  if (result.status !== 'ok') {
    throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  }
  return result.readings;
}

/** `<hw.id> <hw.limit_type>` → value, for the limit readings only. */
function limitsOf(readings: MetricReading[]): Map<string, number> {
  return new Map(
    readings
      .filter((r) => r.metric === 'hw.temperature.limit')
      .map((r) => [`${r.attributes['hw.id']} ${r.attributes['hw.limit_type']}`, r.value]),
  );
}

describeWithFixtures('Linux temperature limits on the node_exporter hwmon tree', () => {
  let tree: UnpackedTtar;
  let withNvme: UnpackedTtar;
  beforeAll(() => {
    // The shared excerpt plus the applesmc blocks it lost (upstream-excerpts.ts): the tree
    // node_exporter's e2e output was read from.
    const shared = readFileSync(linuxFixture('node_exporter-sys-hwmon.ttar'), 'utf8');
    tree = unpackTtarText(shared + applesmcTtarExcerpt, 'node_exporter hwmon tree');
    withNvme = unpackTtarText(shared + NVME_LINK, 'hwmon tree with nvme0 linked');
  });
  afterAll(() => {
    tree.remove();
    withNvme.remove();
  });

  const collect = async (fs: FsRoot) =>
    readingsOf(await collectLinuxTemperatures(fs, createRecordingLogger()));

  it('reports every crit/max/min node_exporter reports for the tree, with the same value, and no other', async () => {
    const limits = limitsOf(await collect(createFsRoot(tree.root)));
    const expected = new Map<string, number>();
    for (const [metric, limitType] of Object.entries(PROM_LIMITS)) {
      for (const { labels, value } of readPromSamples(linuxFixture('node_exporter-e2e-hwmon.prom'), metric)) {
        expected.set(`hwmon:${labels.chip}:${labels.sensor} ${limitType}`, value);
      }
    }
    expect(expected.size).toBe(24); // 12 crit + 12 max in node_exporter-e2e-hwmon.prom
    expect(Object.fromEntries(limits)).toEqual(Object.fromEntries(expected));
  });

  it('gives a limit exactly the attributes of its reading plus hw.limit_type, so they join', async () => {
    const readings = await collect(createFsRoot(tree.root));
    const reading = readings.find(
      (r) => r.metric === 'hw.temperature' && r.attributes['hw.id'] === 'hwmon:platform_coretemp_0:temp1',
    );
    const crit = readings.find(
      (r) =>
        r.metric === 'hw.temperature.limit' &&
        r.attributes['hw.id'] === 'hwmon:platform_coretemp_0:temp1' &&
        r.attributes['hw.limit_type'] === 'high.critical',
    );
    expect(reading?.attributes).toEqual({
      'hw.id': 'hwmon:platform_coretemp_0:temp1',
      'hw.name': 'Physical id 0',
      'hw.type': 'temperature',
    });
    expect(crit).toEqual({
      metric: 'hw.temperature.limit',
      value: 100,
      attributes: { ...reading?.attributes, 'hw.limit_type': 'high.critical' },
    });
  });

  it("drops NVMe's unset thresholds (0 K, 0xFFFF K) and keeps its real ones", async () => {
    const readings = await collect(createFsRoot(withNvme.root));
    const nvme = [...limitsOf(readings)].filter(([key]) => key.startsWith('hwmon:nvme_nvme0:'));
    expect(Object.fromEntries(nvme)).toEqual({
      'hwmon:nvme_nvme0:temp1 high.critical': 94.85,
      'hwmon:nvme_nvme0:temp1 high.degraded': 84.85,
      'hwmon:nvme_nvme0:temp1 low.degraded': -0.15,
    });
    const sensor2 = readings.find((r) => r.attributes['hw.id'] === 'hwmon:nvme_nvme0:temp2');
    expect(sensor2).toMatchObject({ metric: 'hw.temperature', value: 43.85 });
  });

  it('skips an unreadable threshold, and all limits of a sensor whose input cannot be read', async () => {
    const fs = failingFsRoot(createFsRoot(tree.root), {
      '/sys/class/hwmon/hwmon0/temp1_crit': 'ENXIO',
      '/sys/class/hwmon/hwmon0/temp2_input': 'EAGAIN',
    });
    const limits = limitsOf(await collect(fs));
    expect(limits.has('hwmon:platform_coretemp_0:temp1 high.critical')).toBe(false);
    expect(limits.get('hwmon:platform_coretemp_0:temp1 high.degraded')).toBe(84);
    expect(limits.has('hwmon:platform_coretemp_0:temp2 high.critical')).toBe(false);
    expect(limits.has('hwmon:platform_coretemp_0:temp2 high.degraded')).toBe(false);
    expect(limits.size).toBe(24 - 3);
  });
});
