import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { type IoregDict, parseIoregNodes } from './ioreg-parse.ts';
import { parseIoregValue } from './ioreg-value.ts';

// The ioreg parser must read the real M4 capture key by key and survive anything else without throwing.
const m4 = () => readFileSync(sharedFixturePath('macos', 'ioreg-IOAccelerator-m4.txt'), 'utf8');

describeWithFixtures('parseIoregNodes on the real M4 IOAccelerator capture', () => {
  it('finds the one AGX accelerator, with every property parsed', () => {
    const nodes = parseIoregNodes(m4());
    expect(
      nodes.map(({ name, className, registryId, problems }) => ({ name, className, registryId, problems })),
    ).toEqual([
      {
        name: 'AGXAcceleratorG16G',
        className: 'AGXAcceleratorG16G',
        registryId: '0x100000422',
        problems: [],
      },
    ]);
    const properties: IoregDict = nodes[0]?.properties ?? new Map();
    expect(properties.size).toBe(37);
    expect(properties.get('model')).toBe('Apple M4');
    expect(properties.get('gpu-core-count')).toBe(10);
    expect(properties.get('IOMatchedAtBoot')).toBe(true);
    expect(properties.get('vendor-id')).toEqual({ data: '6b100000' });
    expect(properties.get('SCMVersionNumber')).toBe('');
    expect(properties.get('SurfaceList')).toEqual([]);
    expect(properties.get('IOGeneralInterest')).toBe('IOCommand is not serializable');
    expect(properties.get('IONameMatch')).toEqual([
      'gpu,t8015',
      'gpu,t8027',
      'gpu,t8030',
      'gpu,t8103',
      'gpu,t8122',
      'gpu,t8132',
    ]);
    expect((properties.get('GPUConfigurationVariable') as IoregDict).get('core_mask_list')).toEqual([1023]);
    expect(Array.isArray(properties.get('IOReportLegend'))).toBe(true);
  });

  it('reads PerformanceStatistics by exact key, the (driver) variant apart', () => {
    const stats = parseIoregNodes(m4())[0]?.properties.get('PerformanceStatistics') as IoregDict;
    expect(Object.fromEntries(stats)).toEqual({
      'In use system memory (driver)': 0,
      'Alloc system memory': 1704083456,
      'Tiler Utilization %': 1,
      recoveryCount: 0,
      lastRecoveryTime: 0,
      'Renderer Utilization %': 1,
      TiledSceneBytes: 294912,
      'Device Utilization %': 1,
      SplitSceneCount: 0,
      'Allocated PB Size': 66322432,
      'In use system memory': 27443200,
    });
  });

  it('keeps the node and its other properties when the capture is cut mid-legend', () => {
    const text = m4();
    const cut = text.slice(0, text.indexOf('"IOReportLegend"') + 5000);
    const [node] = parseIoregNodes(cut);
    expect(node?.problems).toEqual([expect.stringMatching(/^line 35: "IOReportLegend": .*\(truncated\?\)$/)]);
    expect(node?.properties.get('PerformanceStatistics')).toBeInstanceOf(Map);
  });
});

describe('parseIoregValue', () => {
  it('reads each kind of value ioreg prints', () => {
    expect(parseIoregValue('{"a"=1,"b"=(Yes,No),"c"=<00ff>,"d"={}}')).toEqual(
      new Map<string, unknown>([
        ['a', 1],
        ['b', [true, false]],
        ['c', { data: '00ff' }],
        ['d', new Map()],
      ]),
    );
    expect(parseIoregValue('-3')).toBe(-3);
    expect(parseIoregValue('18446744071562067968')).toBe(18446744071562067968n);
  });

  it('throws a clear syntax error for truncated or garbled text, never a value', () => {
    expect(() => parseIoregValue('{"Device Utilization %"=1,"Tiler')).toThrow('key not closed (truncated?)');
    expect(() => parseIoregValue('{"Device Utilization %"=1')).toThrow('{…} not closed (truncated?)');
    expect(() => parseIoregValue('{"a"=12abc}')).toThrow('expected a value');
    expect(() => parseIoregValue('{"a"=1} trailing')).toThrow('unexpected');
    expect(() => parseIoregValue('('.repeat(100))).toThrow('nested deeper than 64');
    expect(() => parseIoregValue('')).toThrow('expected a value, found end of text');
  });

  it('turns garbage lines into problems on their node, and ignores text before any node', () => {
    const nodes = parseIoregNodes(
      'junk before\n+-o X  <class Y, id 0x1, registered>\n    {\n      "ok" = 2\n      ??\n      "bad" = {"a"=\n    }\n',
    );
    expect(nodes).toHaveLength(1);
    expect(Object.fromEntries(nodes[0]?.properties ?? [])).toEqual({ ok: 2 });
    expect(nodes[0]?.problems).toEqual([
      'line 5: not a "key" = value line',
      'line 6: "bad": expected a value, found end of text',
    ]);
    expect(parseIoregNodes('')).toEqual([]);
    expect(parseIoregNodes('\u0000\u0001 binary')).toEqual([]);
  });
});
