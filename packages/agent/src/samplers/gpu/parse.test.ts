import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import {
  NVIDIA_QUERY_FIELDS,
  nvidiaGpuId,
  nvidiaGpuStats,
  parseNvidiaNumber,
  parseNvidiaSmiCsv,
} from './parse.ts';

const MIB = 1024 * 1024;
const readLinuxFixture = (name: string) => readFileSync(sharedFixturePath('linux', name), 'utf8');

describeWithFixtures('parseNvidiaSmiCsv on full --format=csv captures (header with units)', () => {
  it('maps every column of the H100 capture by name and reads its load figures', () => {
    const table = parseNvidiaSmiCsv(readLinuxFixture('nvidia-smi-query-gpu-all-fields-h100.csv'));
    expect(table.badLines).toEqual([]);
    expect(table.rows).toHaveLength(1);
    const [row] = table.rows;
    expect(row?.size).toBe(212);
    expect(row?.get('utilization.gpu')).toBe('100 %');
    expect(row?.get('fan.speed')).toBe('[N/A]');
    expect(nvidiaGpuStats(row ?? new Map())).toEqual({
      // The capture masks the uuid with zeros, so the PCI bus id is the id.
      id: '00000000:00:09.0',
      name: 'NVIDIA H100 80GB HBM3',
      utilizationRatio: 1,
      memoryUsedBytes: 19818 * MIB,
      memoryTotalBytes: 81559 * MIB,
      temperatureCelsius: 59,
      powerWatts: 631.95,
    });
  });

  it('reads the RTX 4080 SUPER capture: 7 % and 84.24 W', () => {
    const table = parseNvidiaSmiCsv(readLinuxFixture('nvidia-smi-query-gpu-all-fields-rtx4080s.csv'));
    expect(table.badLines).toEqual([]);
    expect(table.rows[0]?.size).toBe(202);
    expect(nvidiaGpuStats(table.rows[0] ?? new Map())).toEqual({
      id: '00000000:01:00.0',
      name: 'NVIDIA GeForce RTX 4080 SUPER',
      utilizationRatio: 0.07,
      memoryUsedBytes: 1474 * MIB,
      memoryTotalBytes: 16376 * MIB,
      temperatureCelsius: 46,
      powerWatts: 84.24,
    });
  });
});

describe('parseNvidiaSmiCsv on our noheader,nounits query', () => {
  it('reads one GPU per line with our field list as the header, spaces trimmed', () => {
    const text =
      '0, GPU-5c1a6f3e-1b2c-4d5e-8f90-1a2b3c4d5e6f, 00000000:17:00.0, NVIDIA H100 80GB HBM3, 98, 40210, 81559, 61, 645.10\n' +
      '1, GPU-00000000-0000-0000-0000-000000000000, 00000000:2A:00.0, NVIDIA H100 80GB HBM3, 0, 4, 81559, 33, 69.32\n';
    const { rows, badLines } = parseNvidiaSmiCsv(text, NVIDIA_QUERY_FIELDS);
    expect(badLines).toEqual([]);
    expect(rows.map((row) => nvidiaGpuStats(row))).toEqual([
      {
        id: 'GPU-5c1a6f3e-1b2c-4d5e-8f90-1a2b3c4d5e6f',
        name: 'NVIDIA H100 80GB HBM3',
        utilizationRatio: 0.98,
        memoryUsedBytes: 40210 * MIB,
        memoryTotalBytes: 81559 * MIB,
        temperatureCelsius: 61,
        powerWatts: 645.1,
      },
      {
        id: '00000000:2A:00.0',
        name: 'NVIDIA H100 80GB HBM3',
        utilizationRatio: 0,
        memoryUsedBytes: 4 * MIB,
        memoryTotalBytes: 81559 * MIB,
        temperatureCelsius: 33,
        powerWatts: 69.32,
      },
    ]);
  });

  it('leaves out what nvidia-smi cannot give, never reporting it as 0', () => {
    const text =
      '0, [N/A], 00000000:01:00.0, Tesla T4, [Not Supported], N/A, 15360, [N/A], [Unknown Error]\n';
    const [row] = parseNvidiaSmiCsv(text, NVIDIA_QUERY_FIELDS).rows;
    expect(nvidiaGpuStats(row ?? new Map())).toEqual({
      id: '00000000:01:00.0',
      name: 'Tesla T4',
      utilizationRatio: null,
      memoryUsedBytes: null,
      memoryTotalBytes: 15360 * MIB,
      temperatureCelsius: null,
      powerWatts: null,
    });
  });

  it('skips, and names, lines whose field count does not match (an error message among the rows)', () => {
    const text =
      'Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error\r\n' +
      '0, GPU-1, 00000000:01:00.0, Tesla T4, 5, 100, 15360, 40, 27.5\r\n\r\n';
    const { rows, badLines } = parseNvidiaSmiCsv(text, NVIDIA_QUERY_FIELDS);
    expect(badLines).toEqual([1]);
    expect(rows.map((row) => row.get('power.draw'))).toEqual(['27.5']);
  });
});

describe('parseNvidiaNumber', () => {
  it('accepts a bare number or one with an expected unit, and nothing else', () => {
    expect(parseNvidiaNumber(' 631.95 W ', ['W'])).toBe(631.95);
    expect(parseNvidiaNumber('100 %', ['%'])).toBe(100);
    expect(parseNvidiaNumber('59')).toBe(59);
    expect(parseNvidiaNumber('19818 MiB', ['W'])).toBeNull();
    expect(parseNvidiaNumber('[N/A]', ['W'])).toBeNull();
    expect(parseNvidiaNumber('N/A')).toBeNull();
    expect(parseNvidiaNumber(undefined)).toBeNull();
  });
});

describe('nvidiaGpuId', () => {
  it('prefers the uuid, then the bus id when the uuid is masked or missing, then the index', () => {
    expect(nvidiaGpuId('GPU-ab12', '00000000:01:00.0', '0')).toBe('GPU-ab12');
    expect(nvidiaGpuId('GPU-00000000-0000-0000-0000-000000000000', '00000000:01:00.0', '0')).toBe(
      '00000000:01:00.0',
    );
    expect(nvidiaGpuId('[N/A]', '[N/A]', '3')).toBe('nvidia:3');
  });
});
