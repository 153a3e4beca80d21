import type { Sampler, SamplerContext, SamplerDefinition } from '../types.ts';
import { collectLinuxTemperatures } from './linux.ts';

/** The platform seam: each OS has its own reader, and anything else is simply not available. */

export const THERMAL_SAMPLER_NAME = 'thermal';

export function createThermalSampler(context: SamplerContext): Sampler {
  return {
    name: THERMAL_SAMPLER_NAME,
    async collect() {
      try {
        switch (context.platform) {
          case 'linux':
            return await collectLinuxTemperatures(context.fs, context.log);
          case 'darwin':
            return {
              status: 'not-available-here',
              reason: 'macOS temperature readers (SMC, powermetrics) come with the Hardware issue',
            };
          default:
            return { status: 'not-available-here', reason: `no temperature reader for ${context.platform}` };
        }
      } catch (error) {
        return { status: 'error', error: error instanceof Error ? error : new Error(String(error)) };
      }
    },
  };
}

export const thermalSamplerDefinition: SamplerDefinition = {
  name: THERMAL_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  create: createThermalSampler,
};
