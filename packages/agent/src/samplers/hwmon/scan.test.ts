import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { createRecordingLogger } from '../../test-support/context.ts';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { type UnpackedTtar, unpackTtarFiles, unpackTtarText } from '../../test-support/ttar.ts';
import { applesmcTtarExcerpt } from '../../test-support/upstream-excerpts.ts';
import { scanHwmonSensors } from './scan.ts';

describeWithFixtures('scanHwmonSensors on node_exporter-sys-hwmon.ttar', () => {
  let tree: UnpackedTtar;
  beforeAll(() => {
    tree = unpackTtarFiles(sharedFixturePath('linux', 'node_exporter-sys-hwmon.ttar'));
  });
  afterAll(() => tree.remove());

  it('gives each chip the id node_exporter gives it, and its human name', async () => {
    const sensors = await scanHwmonSensors(createFsRoot(tree.root), 'temp', createRecordingLogger());
    const chips = new Map(sensors.map((s) => [s.chipId, s.chipName]));
    expect(Object.fromEntries(chips)).toEqual({
      hwmon4: 'hwmon4',
      ieee80211_phy0_mt7996_phy0_0: 'mt7996_phy0_0',
      ieee80211_phy0_mt7996_phy0_1: 'mt7996_phy0_1',
      ieee80211_phy0_mt7996_phy0_2: 'mt7996_phy0_2',
      platform_coretemp_0: 'coretemp',
      platform_coretemp_1: 'coretemp',
    });
  });

  it('keeps a sensor without a label, with label null', async () => {
    const sensors = await scanHwmonSensors(createFsRoot(tree.root), 'temp', createRecordingLogger());
    expect(sensors.find((s) => s.chipId === 'ieee80211_phy0_mt7996_phy0_2')).toEqual({
      chipId: 'ieee80211_phy0_mt7996_phy0_2',
      chipName: 'mt7996_phy0_2',
      sensor: 'temp1',
      input: '57000\n',
      label: null,
    });
  });

  it('finds the one fan of the nct6779, whose hwmon dir has no device link', async () => {
    const sensors = await scanHwmonSensors(createFsRoot(tree.root), 'fan', createRecordingLogger());
    expect(sensors).toEqual([
      { chipId: 'nct6779', chipName: 'nct6779', sensor: 'fan2', input: '1098\n', label: null },
    ]);
  });
});

describe('scanHwmonSensors on a chip that keeps its sensors and name on device/ (applesmc)', () => {
  let tree: UnpackedTtar;
  beforeAll(() => {
    tree = unpackTtarText(applesmcTtarExcerpt, 'applesmc excerpt');
  });
  afterAll(() => tree.remove());

  it('reads fanN_* from device/ and takes the chip name from device/name', async () => {
    const sensors = await scanHwmonSensors(createFsRoot(tree.root), 'fan', createRecordingLogger());
    expect(sensors).toEqual([
      {
        chipId: 'platform_applesmc_768',
        chipName: 'applesmc',
        sensor: 'fan1',
        input: '0\n',
        label: 'Left side\n',
      },
      {
        chipId: 'platform_applesmc_768',
        chipName: 'applesmc',
        sensor: 'fan2',
        input: '1998\n',
        label: 'Right side\n',
      },
    ]);
  });
});

describe('scanHwmonSensors without hwmon', () => {
  it('returns no sensors when /sys/class/hwmon does not exist', async () => {
    const tree = unpackTtarText('Directory: sys/class/thermal\nMode: 755\n');
    try {
      expect(await scanHwmonSensors(createFsRoot(tree.root), 'temp', createRecordingLogger())).toEqual([]);
    } finally {
      tree.remove();
    }
  });
});
