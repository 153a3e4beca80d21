import { createPlatformSampler } from '../platform-sampler.ts';
import type { Sampler, SamplerContext, SourceDefinition } from '../types.ts';
import { collectDarwinFans } from './darwin.ts';
import { collectLinuxFans } from './linux.ts';

export const FANS_SAMPLER_NAME = 'fans';

export function createFansSampler(context: SamplerContext): Sampler {
  return createPlatformSampler(FANS_SAMPLER_NAME, context, {
    what: 'fan',
    readers: { linux: (ctx) => collectLinuxFans(ctx.fs, ctx.log), darwin: collectDarwinFans },
    unavailable: {},
  });
}

export const fansSourceDefinition: SourceDefinition<'hardware'> = {
  name: FANS_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  configKey: 'hardware',
  createSampler: (context, hardware) => createFansSampler({ ...context, options: hardware }),
};
