import { createPlatformSampler } from '../platform-sampler.ts';
import type { Sampler, SamplerContext, SourceDefinition } from '../types.ts';
import { collectDarwinGpus } from './darwin.ts';
import { collectLinuxGpus } from './linux.ts';

export const GPU_SAMPLER_NAME = 'gpu';

export function createGpuSampler(context: SamplerContext): Sampler {
  return createPlatformSampler(GPU_SAMPLER_NAME, context, {
    what: 'GPU',
    readers: {
      linux: collectLinuxGpus,
      darwin: collectDarwinGpus,
    },
    unavailable: {},
  });
}

export const gpuSourceDefinition: SourceDefinition<'hardware'> = {
  name: GPU_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  configKey: 'hardware',
  createSampler: (context, hardware) => createGpuSampler({ ...context, options: hardware }),
};
