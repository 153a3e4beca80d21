import { createPlatformSampler } from '../platform-sampler.ts';
import type { Sampler, SamplerContext, SamplerDefinition } from '../types.ts';
import { collectLinuxFans } from './linux.ts';

export const FANS_SAMPLER_NAME = 'fans';

export function createFansSampler(context: SamplerContext): Sampler {
  return createPlatformSampler(FANS_SAMPLER_NAME, context, {
    what: 'fan',
    readers: { linux: (ctx) => collectLinuxFans(ctx.fs, ctx.log) },
    unavailable: { darwin: 'macOS fan readers (SMC) come with the Hardware issue' },
  });
}

export const fansSamplerDefinition: SamplerDefinition = {
  name: FANS_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  create: createFansSampler,
};
