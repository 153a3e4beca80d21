import { z } from 'zod';
import { byteSize, flagBoolean, logLevel } from './fields.ts';

const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT such as 127.0.0.1:4318');

export const collectorConfigSchema = z
  .object({
    listen: listenAddress.default('127.0.0.1:4318'),
    dataDir: z.string().min(1).default('./.perimeter/collector'),
    logLevel: logLevel.default('info'),
    /** Print one human line per stored batch on stdout (the README demo turns this on). */
    logReadings: flagBoolean.default(false),
    limits: z
      .object({
        /** Largest request body on the wire (compressed). */
        maxBodyBytes: byteSize.default(8 * 1024 * 1024),
        /** Largest body after gunzip: the OTLP spec's recommended 64 MiB. */
        maxDecompressedBytes: byteSize.default(64 * 1024 * 1024),
        /** Largest number of data points plus log records in one request. */
        maxItemsPerRequest: z.number().int().positive().default(1_000_000),
      })
      .default({
        maxBodyBytes: 8 * 1024 * 1024,
        maxDecompressedBytes: 64 * 1024 * 1024,
        maxItemsPerRequest: 1_000_000,
      }),
    /** Sinks and alerting are configured here once their issues land; accepted and kept as given. */
    forward: z
      .array(z.object({ type: z.enum(['otlp', 'file', 'prometheus-remote-write']) }).loose())
      .default([]),
    alerting: z.object({}).loose().optional(),
  })
  .strict();

export type CollectorConfig = z.output<typeof collectorConfigSchema>;

export const collectorFlagKeys = ['listen', 'dataDir', 'logLevel', 'logReadings'] as const;
