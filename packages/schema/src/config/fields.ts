import { z } from 'zod';
import { parseByteSize, parseDurationMs } from '../duration.ts';

/** `10s`, `500ms`, or a number of milliseconds; parsed to milliseconds. */
export const durationMs = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') {
    return value;
  }
  try {
    return parseDurationMs(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** A size, or with `perSecond` a rate whose unit may end in `/s` (`50MiB/s`). */
function sizeField(perSecond: boolean) {
  return z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
    if (typeof value === 'number') {
      return value;
    }
    try {
      return parseByteSize(perSecond ? value.replace(/\/s\s*$/, '') : value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/** `64MiB`, or a number of bytes; parsed to bytes. */
export const byteSize = sizeField(false);

/** `50MiB/s`, `50MiB` or a number of bytes per second; parsed to bytes per second. */
export const byteRate = sizeField(true);

/** Booleans as YAML gives them, or as flags and env strings do. */
export const flagBoolean = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes'),
]);

/** Node ids travel in headers, file names and Prometheus labels: keep them plain. */
export const nodeId = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'use letters, digits, ".", "_" and "-" (start with a letter or digit)',
  );

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
