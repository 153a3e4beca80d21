import { uptime } from 'node:os';
import type { MetricReading, Sampler, SamplerContext, SourceDefinition } from '../types.ts';
import {
  cpuReadings,
  type FsInput,
  filesystemReadings,
  type LoadInput,
  type MemInput,
  memoryReadings,
  type TimeInput,
  uptimeReadings,
} from './parse.ts';

/**
 * CPU, memory, filesystems and uptime: on Linux from /proc and statfs (linux-proc.ts says why),
 * on macOS through systeminformation (sysctl, vm_stat, df). The four parts are read independently: a hung `df`
 * on a dead NFS mount must not cost the CPU and memory readings of the same interval, so a part
 * that fails is logged and left out, and only a sample where every part failed is an error.
 */

export const SYSTEM_SAMPLER_NAME = 'system';

/** The calls this sampler makes; tests pass a fake to drive partial failures. */
export interface SystemSource {
  currentLoad(): Promise<LoadInput>;
  mem(): Promise<MemInput>;
  fsSize(): Promise<FsInput[]>;
  time(): TimeInput;
}

/**
 * systeminformation, loaded on first use: on Linux the agent reads /proc itself (linux-proc.ts),
 * and a module the process never calls should not cost it memory.
 */
const si = () => import('systeminformation');

export const systeminformationSource: SystemSource = {
  currentLoad: async () => (await si()).currentLoad(),
  mem: async () => (await si()).mem(),
  fsSize: async () => (await si()).fsSize(),
  // Not si.time(): it runs `date` and `ls` through a blocking shell on every call, only to report
  // time zones; the uptime it returns is os.uptime() anyway.
  time: () => ({ uptime: uptime() }),
};

export function createSystemSampler(
  context: SamplerContext,
  source: SystemSource = systeminformationSource,
): Sampler {
  const parts: Record<string, () => Promise<MetricReading[]>> = {
    cpu: async () => cpuReadings(await source.currentLoad()),
    memory: async () => memoryReadings(await source.mem()),
    filesystem: async () => filesystemReadings(await source.fsSize()),
    uptime: async () => uptimeReadings(source.time()),
  };
  return {
    name: SYSTEM_SAMPLER_NAME,
    async collect() {
      const names = Object.keys(parts);
      const settled = await Promise.allSettled(names.map((name) => parts[name]!()));
      const readings: MetricReading[] = [];
      const errors: unknown[] = [];
      settled.forEach((result, index) => {
        if (result.status === 'fulfilled') {
          readings.push(...result.value);
        } else {
          errors.push(result.reason);
          context.log.warn({ part: names[index], err: result.reason }, 'system sampler part failed');
        }
      });
      if (errors.length === names.length) {
        return { status: 'error', error: new AggregateError(errors, 'every system sampler part failed') };
      }
      return { status: 'ok', readings };
    },
  };
}

export const SYSTEM_NOT_REPLAYABLE = 'not replayable from a capture (it has no systeminformation record)';

export const systemSourceDefinition: SourceDefinition<undefined> = {
  name: SYSTEM_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['linux', 'darwin'],
  createSampler: (context) =>
    context.systemSource === null
      ? {
          name: SYSTEM_SAMPLER_NAME,
          collect: async () => ({ status: 'not-available-here', reason: SYSTEM_NOT_REPLAYABLE }),
        }
      : createSystemSampler(context, context.systemSource),
};
