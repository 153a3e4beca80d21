import { createPlatformSampler } from '../platform-sampler.ts';
import type { Sampler, SamplerContext, SamplerDefinition } from '../types.ts';
import { collectDarwinThermal } from './darwin.ts';
import { collectLinuxTemperatures } from './linux.ts';

export const THERMAL_SAMPLER_NAME = 'thermal';

export function createThermalSampler(context: SamplerContext): Sampler {
  return createPlatformSampler(THERMAL_SAMPLER_NAME, context, {
    what: 'temperature',
    readers: { linux: (ctx) => collectLinuxTemperatures(ctx.fs, ctx.log), darwin: collectDarwinThermal },
    unavailable: {},
  });
}

export const thermalSamplerDefinition: SamplerDefinition = {
  name: THERMAL_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  create: createThermalSampler,
};
