import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { createTestContext, failingFsRoot } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { readPromSamples } from '../../test-support/prom.ts';
import { type UnpackedTtar, unpackTtarFiles, unpackTtarText } from '../../test-support/ttar.ts';
import type { MetricReading, SampleResult } from '../types.ts';
import { createThermalSampler } from './index.ts';

const linuxFixture = (...parts: string[]) => sharedFixturePath('linux', ...parts);

function readingsOf(result: SampleResult): MetricReading[] {
  if (result.status !== 'ok') {
    throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  }
  return result.readings;
}

const byId = (readings: MetricReading[]) => new Map(readings.map((r) => [String(r.attributes['hw.id']), r]));

describeWithFixtures('thermal sampler on the node_exporter hwmon and thermal_zone fixtures', () => {
  let tree: UnpackedTtar;
  beforeAll(() => {
    tree = unpackTtarFiles(
      linuxFixture('node_exporter-sys-hwmon.ttar'),
      linuxFixture('node_exporter-sys-thermal_zone.ttar'),
    );
  });
  afterAll(() => tree.remove());

  const collect = (fs = createFsRoot(tree.root)) => createThermalSampler(createTestContext(fs)).collect();

  it('reads every hwmon temperature node_exporter read from the same tree, with the same value', async () => {
    const readings = byId(readingsOf(await collect()));
    const expected = readPromSamples(linuxFixture('node_exporter-e2e-hwmon.prom'), 'node_hwmon_temp_celsius');
    expect(expected).toHaveLength(15);
    for (const { labels, value } of expected) {
      expect(
        readings.get(`hwmon:${labels.chip}:${labels.sensor}`)?.value,
        `${labels.chip} ${labels.sensor}`,
      ).toBe(value);
    }
    const hwmonIds = [...readings.keys()].filter((id) => id.startsWith('hwmon:'));
    expect(hwmonIds).toHaveLength(expected.length);
  });

  it('reads the thermal zone node_exporter read, under its own id', async () => {
    const readings = byId(readingsOf(await collect()));
    const [zone] = readPromSamples(linuxFixture('node_exporter-e2e-thermal.prom'), 'node_thermal_zone_temp');
    expect(zone).toEqual({ labels: { type: 'cpu-thermal', zone: '0' }, value: 12.376 });
    expect(readings.get('thermal_zone0')).toEqual({
      metric: 'hw.temperature',
      value: 12.376,
      attributes: { 'hw.id': 'thermal_zone0', 'hw.name': 'cpu-thermal', 'hw.type': 'temperature' },
    });
  });

  it('names sensors by label, else by chip and sensor, and keeps same-named sensors apart by id', async () => {
    const readings = byId(readingsOf(await collect()));
    const name = (id: string) => readings.get(id)?.attributes['hw.name'];
    expect(name('hwmon:platform_coretemp_0:temp1')).toBe('Physical id 0');
    expect(name('hwmon:platform_coretemp_0:temp2')).toBe('Core 0');
    expect(name('hwmon:platform_coretemp_1:temp2')).toBe('Core 0');
    expect(name('hwmon:hwmon4:temp2')).toBe('foosensor');
    expect(name('hwmon:ieee80211_phy0_mt7996_phy0_1:temp1')).toBe('mt7996_phy0_1 temp1');
    expect([...readings.values()].every((r) => r.attributes['hw.type'] === 'temperature')).toBe(true);
  });

  it('skips a sensor whose input fails to read and keeps the rest; a failed label only costs the name', async () => {
    const fs = failingFsRoot(createFsRoot(tree.root), {
      '/sys/class/hwmon/hwmon0/temp3_input': 'ENXIO',
      '/sys/class/hwmon/hwmon0/temp2_label': 'EAGAIN',
    });
    const readings = byId(readingsOf(await collect(fs)));
    expect(readings.has('hwmon:platform_coretemp_0:temp3')).toBe(false);
    expect(readings.get('hwmon:platform_coretemp_0:temp2')?.attributes['hw.name']).toBe('coretemp temp2');
    expect(readings.get('hwmon:platform_coretemp_0:temp2')?.value).toBe(54);
    expect(readings.get('hwmon:platform_coretemp_1:temp3')?.value).toBe(52);
    expect(readings.size).toBe(15 + 1 - 1); // 15 hwmon + 1 zone, less the failed one
  });
});

describe('thermal sampler platform dispatch and empty hosts', () => {
  it('dispatches macOS to the pmset/macmon reader (darwin.test.ts covers it)', async () => {
    const result = await createThermalSampler(
      createTestContext(createFsRoot('/'), { platform: 'darwin' }),
    ).collect();
    expect(result).toEqual({
      status: 'not-available-here',
      reason: expect.stringContaining('pmset not found'),
    });
  });

  it('is not available on platforms without a reader', async () => {
    const result = await createThermalSampler(
      createTestContext(createFsRoot('/'), { platform: 'win32' }),
    ).collect();
    expect(result.status).toBe('not-available-here');
  });

  it('is not available when there is no sensor at all (a VM or container)', async () => {
    const tree = unpackTtarText(
      'Directory: sys/class/thermal\nMode: 755\nDirectory: sys/class/hwmon\nMode: 755\n',
    );
    try {
      const result = await createThermalSampler(createTestContext(createFsRoot(tree.root))).collect();
      expect(result).toEqual({
        status: 'not-available-here',
        reason: expect.stringContaining('no readable temperature'),
      });
    } finally {
      tree.remove();
    }
  });

  it.runIf(process.platform === 'linux')(
    'reads this host /sys: finite temperatures, or not available',
    async () => {
      const result = await createThermalSampler(createTestContext(createFsRoot('/'))).collect();
      if (result.status === 'ok') {
        expect(result.readings.length).toBeGreaterThan(0);
        for (const reading of result.readings) {
          expect(Number.isFinite(reading.value)).toBe(true);
          expect(reading.attributes['hw.type']).toBe('temperature');
        }
      } else {
        expect(result.status).toBe('not-available-here');
      }
    },
  );
});
