import { describe, expect, it } from 'vitest';
import { amdgpuStats, pciSlotOf } from './amdgpu-parse.ts';

const card = {
  card: 'card0',
  devicePath: '/sys/devices/pci0000:00/0000:00:03.1/0000:09:00.0',
  uevent: null,
  productName: 'AMD Radeon RX Vega\n',
  busyPercent: '37\n',
  vramUsedBytes: '1490378752\n',
  vramTotalBytes: '8573157376\n',
};

describe('amdgpuStats', () => {
  it('turns percent into a ratio, keeps bytes, and ids the card by its PCI address', () => {
    expect(amdgpuStats(card)).toEqual({
      id: '0000:09:00.0',
      name: 'AMD Radeon RX Vega',
      utilizationRatio: 0.37,
      memoryUsedBytes: 1490378752,
      memoryTotalBytes: 8573157376,
      temperatureCelsius: null,
      powerWatts: null,
    });
  });

  it('falls back to drm:<card> and "amdgpu <card>", and drops values that do not parse', () => {
    const stats = amdgpuStats({ ...card, devicePath: null, productName: '\n', vramUsedBytes: 'garbage' });
    expect(stats).toMatchObject({ id: 'drm:card0', name: 'amdgpu card0', memoryUsedBytes: null });
  });
});

describe('pciSlotOf', () => {
  it('takes the device link target, else PCI_SLOT_NAME from uevent', () => {
    expect(pciSlotOf('/sys/devices/pci0000:00/0000:00:02.0', null)).toBe('0000:00:02.0');
    expect(pciSlotOf('/sys/class/drm/card0/device', 'DRIVER=amdgpu\nPCI_SLOT_NAME=0000:09:00.0\n')).toBe(
      '0000:09:00.0',
    );
    expect(pciSlotOf('/sys/class/drm/card0/device', 'DRIVER=amdgpu\n')).toBeNull();
  });
});
