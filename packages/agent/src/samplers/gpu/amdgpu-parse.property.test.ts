import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { garble, mutate, NASTY_UNICODE, RUNS } from '../../test-support/garble.ts';
import { type UnpackedTtar, unpackTtarFiles } from '../../test-support/ttar.ts';
import { type AmdgpuCardRaw, amdgpuStats, pciSlotOf } from './amdgpu-parse.ts';
import { gpuReadings } from './readings.ts';

/**
 * Properties of the amdgpu sysfs mapping on cut-off and garbled attribute files: it never throws,
 * a value that does not parse is no reading, and nothing is NaN or Infinity.
 */

const NASTY = [...NASTY_UNICODE, '\r', '\t', ' ', '-', '.', 'e', '9', '0', '=', ':'];
const { anyText, edits } = garble(NASTY);

function check(raw: AmdgpuCardRaw): void {
  const stats = amdgpuStats(raw);
  for (const value of [stats.utilizationRatio, stats.memoryUsedBytes, stats.memoryTotalBytes]) {
    expect(value === null || Number.isFinite(value)).toBe(true);
  }
  expect(stats.id).not.toBe('');
  expect(stats.name).not.toBe('');
  for (const reading of gpuReadings(stats)) expect(Number.isFinite(reading.value)).toBe(true);
  const slot = pciSlotOf(raw.devicePath, raw.uevent);
  expect(slot === null || /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(slot)).toBe(true);
}

const TEXT_FIELDS = ['uevent', 'productName', 'busyPercent', 'vramUsedBytes', 'vramTotalBytes'] as const;
type Field = (typeof TEXT_FIELDS)[number] | 'devicePath';
const FIELDS: readonly Field[] = [...TEXT_FIELDS, 'devicePath'];
/** One field changed by `change`, the others as read from the fixture. */
const withField = (card: AmdgpuCardRaw, field: Field, change: (text: string) => string): AmdgpuCardRaw => ({
  ...card,
  [field]: change(card[field] ?? ''),
});

describeWithFixtures('amdgpu sysfs mapping properties on the procfs drm fixture', () => {
  let tree: UnpackedTtar;
  let card0: AmdgpuCardRaw;
  beforeAll(() => {
    tree = unpackTtarFiles(sharedFixturePath('linux', 'procfs-sys-class-drm-amdgpu.ttar'));
    const device = join(tree.root, 'fixtures/sys/class/drm/card0/device');
    const read = (name: string) => readFileSync(join(device, name), 'utf8');
    card0 = {
      card: 'card0',
      devicePath: realpathSync(device),
      uevent: read('uevent'),
      productName: read('product_name'),
      busyPercent: read('gpu_busy_percent'),
      vramUsedBytes: read('mem_info_vram_used'),
      vramTotalBytes: read('mem_info_vram_total'),
    };
  });
  afterAll(() => tree.remove());

  it('any prefix of any attribute file maps without NaN, Infinity or a throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.nat(), (field, cut) => {
        check(withField(card0, field, (text) => text.slice(0, cut % (text.length + 1))));
      }),
      RUNS,
    );
  });

  it('a few replaced, inserted or deleted characters (unicode, NUL) never crash it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), edits, (field, list) => {
        check(withField(card0, field, (text) => mutate(text, list)));
      }),
      RUNS,
    );
  });

  it('the untouched card gives utilisation in 0..1 and used ≤ total VRAM', () => {
    const stats = amdgpuStats(card0);
    expect(stats.utilizationRatio).toBeGreaterThanOrEqual(0);
    expect(stats.utilizationRatio).toBeLessThanOrEqual(1);
    expect(stats.memoryUsedBytes).toBeGreaterThanOrEqual(0);
    expect(stats.memoryUsedBytes).toBeLessThanOrEqual(stats.memoryTotalBytes ?? -1);
  });
});

it('arbitrary attribute text never crashes the amdgpu mapping', () => {
  fc.assert(
    fc.property(fc.array(fc.option(anyText), { minLength: 6, maxLength: 6 }), ([a, b, c, d, e, f]) => {
      check({
        card: 'card0',
        devicePath: a ?? null,
        uevent: b ?? null,
        productName: c ?? null,
        busyPercent: d ?? null,
        vramUsedBytes: e ?? null,
        vramTotalBytes: f ?? null,
      });
    }),
    RUNS,
  );
});
