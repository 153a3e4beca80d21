import { existsSync } from 'node:fs';
import {
  type CollectorConfig,
  type ConfigSources,
  collectorConfigSchema,
  collectorFlagKeys,
  loadConfig,
  parseTimeArg,
  UsageError,
} from '@perimeter/schema';
import { storePath } from './store/db.ts';

/**
 * Argument handling the collector's commands share (serve, the read-only reports replay and
 * evidence, checkpoint and verify), so that a config, a time, a data directory or a missing store
 * reads and fails the same way in each.
 */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  nowMs: () => number;
}

export const DEFAULT_DATA_DIR = './.perimeter/collector';

/** `--from -1h` would read as an unknown option `-1`: bind a relative time to its flag. */
export function bindRelativeTimes(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if ((arg === '--from' || arg === '--to') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

export interface TimeWindowArgs {
  /** The command, for the message when a bound is missing ("replay needs --from T …"). */
  command: string;
  /** A relative time that suits the command, for that message ("-1h"). */
  example: string;
  from: string | undefined;
  to: string | undefined;
  env: NodeJS.ProcessEnv;
  nowMs: number;
}

/** --from and --to (or PERIMETER_FROM and PERIMETER_TO), parsed against one `now`, from before to. */
export function timeWindowArgs(args: TimeWindowArgs): { fromMs: number; toMs: number } {
  const time = (flag: 'from' | 'to', text: string | undefined) => {
    if (text === undefined) {
      throw new UsageError(
        `${args.command} needs --${flag} T (RFC 3339, "now", or ${args.example}); see ${args.command} --help`,
      );
    }
    try {
      return parseTimeArg(text, args.nowMs);
    } catch (error) {
      throw new UsageError(`--${flag}: ${(error as Error).message}`);
    }
  };
  const fromMs = time('from', args.from ?? args.env.PERIMETER_FROM);
  const toMs = time('to', args.to ?? args.env.PERIMETER_TO);
  if (!(fromMs < toMs)) {
    throw new UsageError('--from must be before --to');
  }
  return { fromMs, toMs };
}

/**
 * The collector's config: the file from --config (else PERIMETER_CONFIG), PERIMETER_* variables
 * over it, the command's flags over those.
 */
export function collectorConfigArgs(
  configFile: string | undefined,
  flags: ConfigSources['flags'],
  env: NodeJS.ProcessEnv,
): CollectorConfig {
  return loadConfig(collectorConfigSchema, collectorFlagKeys, {
    file: configFile ?? env.PERIMETER_CONFIG,
    flags,
    env,
  });
}

/** --data-dir, else PERIMETER_DATA_DIR, else the collector's default. */
export function dataDirArg(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env.PERIMETER_DATA_DIR ?? DEFAULT_DATA_DIR;
}

/** A report reads an existing store and must not create one: a wrong directory is a usage error. */
export function requireStore(dataDir: string, hint: string): void {
  if (!existsSync(storePath(dataDir))) {
    throw new UsageError(`no collector store at ${storePath(dataDir)} (${hint})`);
  }
}
