import { createPlatformSampler } from '../platform-sampler.ts';
import type { Sampler, SamplerContext, SourceDefinition } from '../types.ts';
import { collectDarwinThermal, createPressureTracker } from './darwin.ts';
import { collectLinuxTemperatures } from './linux.ts';

export const THERMAL_SAMPLER_NAME = 'thermal';

export function createThermalSampler(context: SamplerContext): Sampler {
  const pressure = createPressureTracker();
  return createPlatformSampler(THERMAL_SAMPLER_NAME, context, {
    what: 'temperature',
    readers: {
      linux: (ctx) => collectLinuxTemperatures(ctx.fs, ctx.log),
      darwin: (ctx) => collectDarwinThermal(ctx, pressure),
    },
    unavailable: {},
  });
}

export const thermalSourceDefinition: SourceDefinition<'hardware'> = {
  name: THERMAL_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  configKey: 'hardware',
  createSampler: (context, hardware) => createThermalSampler({ ...context, options: hardware }),
};
