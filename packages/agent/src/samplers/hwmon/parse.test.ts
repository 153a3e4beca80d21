import { describe, expect, it } from 'vitest';
import {
  chipBaseId,
  cleanChipPart,
  disambiguateChipIds,
  hwmonSensorId,
  hwmonSensorName,
  parseSensorFilename,
  parseSysfsInteger,
} from './parse.ts';

describe('chipBaseId', () => {
  it('prefers the device bus and name, so the id survives hwmonN renumbering', () => {
    expect(
      chipBaseId({
        devicePath: '/sys/devices/platform/coretemp.0',
        nameFile: 'coretemp',
        realDir: '/sys/devices/platform/coretemp.0/hwmon/hwmon0',
      }),
    ).toBe('platform_coretemp_0');
  });

  it('falls back to the name file when there is no device link', () => {
    expect(
      chipBaseId({
        devicePath: null,
        nameFile: 'nct6779',
        realDir: '/sys/devices/platform/nct6775.656/hwmon/hwmon3',
      }),
    ).toBe('nct6779');
  });

  it('falls back to hwmonN when neither device nor name says anything', () => {
    expect(chipBaseId({ devicePath: null, nameFile: null, realDir: '/sys/class/hwmon/hwmon4' })).toBe(
      'hwmon4',
    );
    expect(chipBaseId({ devicePath: null, nameFile: ' \n', realDir: '/sys/class/hwmon/hwmon4' })).toBe(
      'hwmon4',
    );
  });
});

describe('disambiguateChipIds', () => {
  it('appends the name file to ids that share a parent device, as node_exporter does', () => {
    expect(
      disambiguateChipIds([
        { baseId: 'platform_asus_nb_wmi', nameFile: 'asus', className: 'hwmon6' },
        { baseId: 'platform_asus_nb_wmi', nameFile: 'asus_wmi_sensors', className: 'hwmon7' },
        { baseId: 'platform_coretemp_0', nameFile: 'coretemp', className: 'hwmon0' },
      ]),
    ).toEqual(['platform_asus_nb_wmi_asus', 'platform_asus_nb_wmi_asus_wmi_sensors', 'platform_coretemp_0']);
  });

  it('appends hwmonN when the names collide too', () => {
    expect(
      disambiguateChipIds([
        { baseId: 'pci_0000:01:00_0', nameFile: 'amdgpu', className: 'hwmon1' },
        { baseId: 'pci_0000:01:00_0', nameFile: 'amdgpu', className: 'hwmon2' },
        { baseId: 'pci_0000:01:00_0', nameFile: '', className: 'hwmon3' },
      ]),
    ).toEqual(['pci_0000:01:00_0_hwmon1', 'pci_0000:01:00_0_hwmon2', 'pci_0000:01:00_0_hwmon3']);
  });
});

describe('hwmon sensor names', () => {
  it('cleans chip parts like node_exporter: lower case, odd characters to _, no edge _', () => {
    expect(cleanChipPart('applesmc.768')).toBe('applesmc_768');
    expect(cleanChipPart('18000000.Wifi-')).toBe('18000000_wifi');
  });

  it('splits only files of the wanted sensor type', () => {
    expect(parseSensorFilename('temp2_input', 'temp')).toEqual({ sensor: 'temp2', property: 'input' });
    expect(parseSensorFilename('temp1_crit_alarm', 'temp')).toEqual({
      sensor: 'temp1',
      property: 'crit_alarm',
    });
    expect(parseSensorFilename('fan2_input', 'temp')).toBeNull();
    expect(parseSensorFilename('pwm1_auto_point1_temp', 'temp')).toBeNull();
    expect(parseSensorFilename('name', 'temp')).toBeNull();
  });

  it('names a sensor by its label, else by chip and sensor', () => {
    expect(hwmonSensorName('coretemp', 'temp1', 'Package id 0\n')).toBe('Package id 0');
    expect(hwmonSensorName('acpitz', 'temp1', null)).toBe('acpitz temp1');
    expect(hwmonSensorName('acpitz', 'temp1', '  \n')).toBe('acpitz temp1');
    expect(hwmonSensorId('platform_coretemp_0', 'temp2')).toBe('hwmon:platform_coretemp_0:temp2');
  });
});

describe('parseSysfsInteger', () => {
  it('reads integers, negative ones included', () => {
    expect(parseSysfsInteger('55000\n')).toBe(55000);
    expect(parseSysfsInteger('-273150\n')).toBe(-273150);
  });

  it('gives no value for empty, non-numeric or unsafe text', () => {
    for (const raw of [null, '', '\n', 'N/A', '12.5', '1e3', 'Infinity', 'NaN', '99999999999999999999']) {
      expect(parseSysfsInteger(raw)).toBeNull();
    }
  });
});
