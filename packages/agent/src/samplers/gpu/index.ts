import { createPlatformSampler } from '../platform-sampler.ts';
import type { Sampler, SamplerContext, SamplerDefinition } from '../types.ts';
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

export const gpuSamplerDefinition: SamplerDefinition = {
  name: GPU_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  create: createGpuSampler,
};
