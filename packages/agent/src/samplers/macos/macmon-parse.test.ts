import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, sharedFixturePath } from '../../test-support/fixtures.ts';
import { macmonSampleFromExposition, parseExposition, parseMacmonPipeJson } from './macmon-parse.ts';
import { MACMON_PIPE_LINE } from './macmon-test-input.ts';

const promText = () => readFileSync(sharedFixturePath('macos', 'macmon-serve-metrics-m3pro.prom'), 'utf8');

describeWithFixtures('macmon serve exposition (readme example, Apple M3 Pro)', () => {
  it('reads every sample with its labels', () => {
    const samples = parseExposition(promText());
    expect(samples).toHaveLength(8);
    expect(samples[2]).toEqual({
      name: 'macmon_fan_speed_rpm',
      labels: { chip: 'Apple M3 Pro', fan: 'fan0' },
      value: 1234,
    });
  });

  it('gives the CPU temperature, the fan and CPU power; what the example lacks stays null', () => {
    expect(macmonSampleFromExposition(promText())).toEqual({
      chip: 'Apple M3 Pro',
      cpuTempCelsius: 47.3,
      gpuTempCelsius: null,
      fans: [{ name: 'fan0', rpm: 1234 }],
      gpuUtilization: null,
      powerWatts: { cpu: 8.42, gpu: null, ane: null, package: null, system: null },
    });
  });
});

describe('parseExposition on bad lines', () => {
  it('skips garbled, truncated and non-numeric lines instead of reading 0 or NaN', () => {
    const text =
      'macmon_cpu_temp_celsius{chip="X"} NaN\nmacmon_cpu_temp_celsius{chip=\nbroken line here\nm 1\n';
    expect(parseExposition(text)).toEqual([{ name: 'm', labels: {}, value: 1 }]);
    expect(macmonSampleFromExposition('').fans).toBeNull();
  });
});

describe('parseMacmonPipeJson', () => {
  it('reads temperatures, fans and power from the serialized Metrics; 0 °C means not read', () => {
    expect(parseMacmonPipeJson(`${MACMON_PIPE_LINE}\n`)).toEqual({
      chip: null,
      cpuTempCelsius: 47.3,
      gpuTempCelsius: null,
      fans: [{ name: 'fan0', rpm: 1234 }],
      gpuUtilization: 0.021,
      powerWatts: { cpu: 8.42, gpu: 0.5, ane: 0, package: 8.92, system: null },
    });
  });

  it('tells "no fans field" (older macmon) from "no fans"', () => {
    expect(parseMacmonPipeJson('{"temp":{"cpu_temp_avg":40}}').fans).toBeNull();
    expect(parseMacmonPipeJson('{"fans":[]}').fans).toEqual([]);
    expect(parseMacmonPipeJson('{"fans":[{"name":"fan0","rpm":-1},{"rpm":5}]}').fans).toEqual([]);
  });

  it('throws on empty, truncated or non-object output', () => {
    expect(() => parseMacmonPipeJson('')).toThrow(/printed nothing/);
    expect(() => parseMacmonPipeJson(MACMON_PIPE_LINE.slice(0, 40))).toThrow();
    expect(() => parseMacmonPipeJson('[1,2]')).toThrow(/not a JSON object/);
  });
});
