import type { Sampler, SamplerContext, SamplerDefinition } from '../types.ts';
import { collectLinuxFans } from './linux.ts';

/** The platform seam: each OS has its own reader, and anything else is simply not available. */

export const FANS_SAMPLER_NAME = 'fans';

export function createFansSampler(context: SamplerContext): Sampler {
  return {
    name: FANS_SAMPLER_NAME,
    async collect() {
      try {
        switch (context.platform) {
          case 'linux':
            return await collectLinuxFans(context.fs, context.log);
          case 'darwin':
            return {
              status: 'not-available-here',
              reason: 'macOS fan readers (SMC) come with the Hardware issue',
            };
          default:
            return { status: 'not-available-here', reason: `no fan reader for ${context.platform}` };
        }
      } catch (error) {
        return { status: 'error', error: error instanceof Error ? error : new Error(String(error)) };
      }
    },
  };
}

export const fansSamplerDefinition: SamplerDefinition = {
  name: FANS_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  create: createFansSampler,
};
