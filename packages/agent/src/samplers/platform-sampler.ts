import type { SampleResult, Sampler, SamplerContext } from './types.ts';

/**
 * The platform seam every hardware sampler shares (OTel's getMachineId switch): one reader per OS,
 * a stated reason where an OS has none yet, and a thrown error turned into an `error` outcome so
 * one broken sampler never stops the round.
 */
export interface PlatformReaders {
  readers: Partial<Record<NodeJS.Platform, (context: SamplerContext) => Promise<SampleResult>>>;
  /** Why a platform without a reader has none, shown by `probe` and logged at debug. */
  unavailable: Partial<Record<NodeJS.Platform, string>>;
  what: string;
}

export function createPlatformSampler(
  name: string,
  context: SamplerContext,
  platforms: PlatformReaders,
): Sampler {
  return {
    name,
    async collect() {
      const read = platforms.readers[context.platform];
      if (!read) {
        const reason =
          platforms.unavailable[context.platform] ?? `no ${platforms.what} reader for ${context.platform}`;
        return { status: 'not-available-here', reason };
      }
      try {
        return await read(context);
      } catch (error) {
        return { status: 'error', error: error instanceof Error ? error : new Error(String(error)) };
      }
    },
  };
}
