import { createPlatformSampler } from '../platform-sampler.ts';
import type { Sampler, SamplerContext, SamplerDefinition } from '../types.ts';
import { collectLinuxGpus } from './linux.ts';

export const GPU_SAMPLER_NAME = 'gpu';

export function createGpuSampler(context: SamplerContext): Sampler {
  return createPlatformSampler(GPU_SAMPLER_NAME, context, {
    what: 'GPU',
    readers: { linux: collectLinuxGpus },
    unavailable: { darwin: 'Metal GPU readers (ioreg IOAccelerator) come with the Hardware issue' },
  });
}

export const gpuSamplerDefinition: SamplerDefinition = {
  name: GPU_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  create: createGpuSampler,
};
