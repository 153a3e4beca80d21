import { parseArgs } from 'node:util';
import {
  type AgentConfig,
  agentConfigSchema,
  agentFlagKeys,
  ConfigError,
  loadConfig,
  UsageError,
} from '@perimeter/schema';
import { unknownSourceToggles } from './samplers/registry.ts';
import type { SourceDefinition } from './samplers/types.ts';

/**
 * The agent's command line and config, resolved in one place: flag ?? PERIMETER_* env ?? YAML
 * file ?? schema default (loadConfig). Every failure is a UsageError or a ConfigError whose
 * message names the flag or key, so the CLI can print one line and exit 2. Flags are derived from
 * `agentFlagKeys`, so a key added to the schema gets its flag and env variable together.
 */
export type AgentCommand = 'run' | 'once' | 'capture' | 'probe' | 'baseline';
const COMMANDS: readonly AgentCommand[] = ['run', 'once', 'capture', 'probe', 'baseline'];

export interface ParsedArgs {
  command: AgentCommand | undefined;
  help: boolean;
  /** --version: print the agent's and Node's versions and exit. */
  version: boolean;
  json: boolean;
  configFile: string | undefined;
  /** capture: the directory to write. */
  out: string | undefined;
  /** once/probe: replay this capture directory instead of reading the host. */
  fromCapture: string | undefined;
  /** camelCased schema keys (`dataDir`), only those given. */
  flags: Record<string, string>;
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const flagOptions = Object.fromEntries(agentFlagKeys.map((key) => [kebab(key), { type: 'string' as const }]));

export const agentUsage = {
  main: `Usage: perimeter-agent <command> [options]

Commands:
  run     sample every --interval, spool to disk, ship to the collector (until SIGINT/SIGTERM)
  once    sample one round and print the readings (nothing is spooled or shipped)
  capture record what one round runs and reads into a directory, for a support case
  probe   show which readings this host has, where each comes from, and why not
  baseline capture   print today's drift check results as a baseline YAML, for review

Run "perimeter-agent <command> --help" for the options of a command;
"perimeter-agent --version" prints the agent's and Node's versions.
`,
  run: `Usage: perimeter-agent run [options]

Samples the enabled samplers every interval, commits each round to the spool
(<data-dir>/spool.db) and ships it to the collector over OTLP/HTTP.

Options (each also read from PERIMETER_<NAME>, e.g. PERIMETER_TOKEN):
  --config FILE      YAML config file (same keys as the flags, plus samplers.<name>.enabled, spool, ship)
  --collector URL    collector base URL (default http://127.0.0.1:4318)
  --token TOKEN      node token (required; prefer PERIMETER_TOKEN, flags show up in ps)
  --node-id ID       node id (default: the host name, sanitized)
  --data-dir DIR     spool directory (default ./.perimeter/agent)
  --interval DUR     sampling interval, e.g. 10s, 500ms (default 10s)
  --log-level LEVEL  fatal|error|warn|info|debug|trace|silent (default info); logs are JSON on stderr
  --fs-root DIR      root under which /sys, /proc and /etc are read (default /)
  -h, --help         show this text

Exit status: 0 stopped cleanly, 2 usage or config error, 1 anything else.
`,
  once: `Usage: perimeter-agent once [--json] [options]

Runs every enabled sampler once and prints the readings to stdout. Nothing is
spooled or shipped, so no token is needed.

Options:
  --json             print one JSON document instead of text lines
  --from-capture DIR replay a capture (perimeter-agent capture) instead of reading this host
  --config FILE      YAML config file
  --node-id ID       node id shown in the output (default: the host name, sanitized)
  --fs-root DIR      root under which /sys, /proc and /etc are read (default /)
  --log-level LEVEL  log level for stderr (default info)
  -h, --help         show this text
`,
  capture: `Usage: perimeter-agent capture --out DIR [options]

Runs one round and writes what it ran and read to DIR (0700; files 0600): manifest.json
plus one file per output. No config, token or environment is written. Send DIR with a
support case; "once --from-capture DIR" replays it on any machine.

Options:
  --out DIR          where to write the capture (must be new or empty)
  --config FILE      YAML config file (sampler toggles)
  --fs-root DIR      root under which /sys, /proc and /etc are read (default /)
  --log-level LEVEL  log level for stderr (default info)
  -h, --help         show this text
`,
  baseline: `Usage: perimeter-agent baseline capture [options] > baseline.yaml

Runs every drift check once on this host and prints a baseline YAML that expects
what it found, with each check's title and SOC 2 / ISO 27001 controls as comments.
Review it, then point drift.baseline at it: from then on a change is a config.drift
event. Checks that need root are written as comments when the agent is not root.

Options:
  --config FILE      YAML config file (drift.baseline: the current baseline's params are kept)
  --fs-root DIR      root under which /proc and /etc are read (default /)
  --log-level LEVEL  log level for stderr (default info)
  -h, --help         show this text
`,
  probe: `Usage: perimeter-agent probe [--json] [options]

Runs one round and prints, per sampler and reading: available, not on this host,
or needs root; the command or path it comes from; and why it is missing.

Options:
  --json             print one JSON document instead of a table
  --from-capture DIR probe a capture instead of this host
  --config FILE      YAML config file
  --fs-root DIR      root under which /sys, /proc and /etc are read (default /)
  --log-level LEVEL  log level for stderr (default info)
  -h, --help         show this text
`,
} as const;

export function parseAgentArgs(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  const options = {
    ...flagOptions,
    config: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    'from-capture': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  } as const;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split(/\n|\. To specify/)[0] ?? 'invalid arguments');
  }
  const [command, ...rest] = parsed.positionals;
  if (command !== undefined && !COMMANDS.includes(command as AgentCommand)) {
    throw new UsageError(`unknown command "${command}" (expected ${COMMANDS.join(', ')})`);
  }
  const help0 = (parsed.values as { help?: boolean }).help === true;
  if (command === 'baseline' && rest[0] !== 'capture' && !help0) {
    throw new UsageError(
      rest[0] === undefined
        ? 'baseline: expected a subcommand: baseline capture'
        : `baseline: unknown subcommand "${rest[0]}" (expected capture)`,
    );
  }
  const extra = command === 'baseline' ? rest.slice(1) : rest;
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const help = values['help'] === true;
  const out = text('out');
  const fromCapture = text('from-capture');
  if (command === 'capture' && out === undefined && !help)
    throw new UsageError('capture: --out DIR is required');
  if (out !== undefined && command !== 'capture') throw new UsageError('--out is only for capture');
  if (fromCapture !== undefined && command !== 'once' && command !== 'probe') {
    throw new UsageError('--from-capture is only for once and probe');
  }
  const flags: Record<string, string> = {};
  for (const key of agentFlagKeys) {
    const value = values[kebab(key)];
    if (typeof value === 'string') flags[key] = value;
  }
  return {
    command: command as AgentCommand | undefined,
    help,
    version: values['version'] === true,
    json: values['json'] === true,
    configFile: text('config'),
    out,
    fromCapture,
    flags,
  };
}

export interface LoadAgentConfigOptions {
  file: string | undefined;
  flags: Record<string, string>;
  env: NodeJS.ProcessEnv;
  sourceDefinitions: readonly SourceDefinition[];
}

export function loadAgentConfig(options: LoadAgentConfigOptions): AgentConfig {
  const config = loadConfig(agentConfigSchema, agentFlagKeys, {
    file: options.file,
    flags: options.flags,
    env: options.env,
  });
  const [unknown] = unknownSourceToggles(options.sourceDefinitions, config.samplers);
  if (unknown !== undefined) {
    const known = options.sourceDefinitions.map((d) => d.name).join(', ');
    throw new ConfigError(
      `${options.file ?? 'config'}: samplers.${unknown}`,
      `no sampler by that name (known: ${known})`,
    );
  }
  return config;
}

/** The run command cannot ship without a token; say where to put one. */
export function requireToken(config: AgentConfig): AgentConfig & { token: string } {
  if (config.token === undefined) {
    throw new ConfigError(
      'token',
      'required for run: set PERIMETER_TOKEN, pass --token, or put token: in the config file',
    );
  }
  return { ...config, token: config.token };
}

/** Node ids travel in headers, file names and labels: the host name, reduced to [A-Za-z0-9._-]. */
export function defaultNodeId(hostname: string): string {
  const cleaned = hostname
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return cleaned === '' ? 'node' : cleaned;
}
