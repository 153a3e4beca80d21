import { z } from 'zod';
import { byteSize, durationMs, flagBoolean, logLevel, nodeId } from './fields.ts';

const samplerToggle = z.object({ enabled: flagBoolean.optional() }).loose();

export const agentConfigSchema = z
  .object({
    collector: z
      .url({ message: 'expected a URL such as http://127.0.0.1:4318' })
      .default('http://127.0.0.1:4318'),
    token: z.string().min(1).optional(),
    nodeId: nodeId.optional(),
    dataDir: z.string().min(1).default('./.perimeter/agent'),
    interval: durationMs.default(10_000),
    logLevel: logLevel.default('info'),
    /** Root under which /sys and /proc are read; tests point it at fixtures (node_exporter's --path.sysfs). */
    fsRoot: z.string().default('/'),
    spool: z
      .object({
        maxBytes: byteSize.default(256 * 1024 * 1024),
      })
      .default({ maxBytes: 256 * 1024 * 1024 }),
    ship: z
      .object({
        timeout: durationMs.default(10_000),
        initialBackoff: durationMs.default(500),
        maxBackoff: durationMs.default(30_000),
        gzip: flagBoolean.default(true),
      })
      .default({ timeout: 10_000, initialBackoff: 500, maxBackoff: 30_000, gzip: true }),
    samplers: z.record(z.string(), samplerToggle).default({}),
    /** Where the hardware samplers find optional readers (see README "Hardware sources"). */
    hardware: z
      .object({
        /** `macmon serve` on this Mac (its default address); read when it answers. */
        macmonUrl: z
          .url({ message: 'expected a URL such as http://127.0.0.1:9090/metrics' })
          .default('http://127.0.0.1:9090/metrics'),
        /** Run powermetrics via `sudo -n` (install deploy/sudoers/perimeter-powermetrics first). */
        powermetricsViaSudo: flagBoolean.default(false),
      })
      .strict()
      .default({ macmonUrl: 'http://127.0.0.1:9090/metrics', powermetricsViaSudo: false }),
  })
  .strict();

export type AgentConfig = z.output<typeof agentConfigSchema>;

/** Keys that flags and `PERIMETER_*` variables may set (ARCHITECTURE.md "Command line"). */
export const agentFlagKeys = [
  'collector',
  'token',
  'nodeId',
  'dataDir',
  'interval',
  'logLevel',
  'fsRoot',
] as const;
