#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, ExitCodes, UsageError } from '@perimeter/schema';
import { pino } from 'pino';
import { runRulesCommand } from './alerts/rules-command.ts';
import { collectorConfigArgs } from './cli-args.ts';
import { runEvidenceCommand } from './evidence/evidence-command.ts';
import { runForwardCommand } from './forward/forward-command.ts';
import { runCheckpointCommand, runKeysCommand, runVerifyCommand } from './integrity/integrity-command.ts';
import { runReplayCommand } from './replay/replay-command.ts';
import { startCollector } from './serve.ts';
import { runTokensCommand } from './tokens/tokens-command.ts';

const USAGE = `perimeter-collector — receives, stores and serves Perimeter node telemetry

Usage:
  perimeter-collector serve  [--config FILE] [--listen HOST:PORT] [--data-dir DIR] [--log-level LEVEL] [--log-readings]
  perimeter-collector tokens create --node ID [--role node|reader|admin]
  perimeter-collector tokens list [--json]
  perimeter-collector tokens revoke --node ID | revoke TOKEN_ID
  perimeter-collector forward dead-letters [--json] | retry ID | retry --all
  perimeter-collector rules export --format prometheus [--rules FILE ...] [--out FILE]
  perimeter-collector rules check FILE ...
  perimeter-collector replay --node ID --from T --to T [--format table|jsonl|md] [--archive DIR]
  perimeter-collector evidence --from T --to T --out DIR [--data-dir DIR] [--config FILE]
  perimeter-collector keys create --out DIR
  perimeter-collector checkpoint --data-dir D --out FILE [--config FILE] [--signing-key FILE]
  perimeter-collector verify --data-dir D [--checkpoint FILE ...] [--public-key FILE]

Every flag can also be set as PERIMETER_<FLAG> (PERIMETER_DATA_DIR, PERIMETER_LISTEN, …).
Defaults: --listen 127.0.0.1:4318, --data-dir ./.perimeter/collector.
Exit status: 0 ok, 2 usage or config error, 3 integrity broken (replay, evidence, verify), 1 anything else.
Run "perimeter-collector <command> --help" for one command; --version prints the version.`;

const SERVE_USAGE = `perimeter-collector serve [options]

Receives OTLP/HTTP (protobuf or JSON, gzip or not) on POST /v1/metrics and /v1/logs, commits each
batch to SQLite before answering, and serves /metrics, /healthz and /readyz.

Options:
  --config FILE        YAML config (keys as below, plus limits.*)
  --listen HOST:PORT   address to listen on (default 127.0.0.1:4318)
  --data-dir DIR       data directory (default ./.perimeter/collector)
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent (default info)
  --log-readings       print one line per stored batch on stdout (the demo uses this)
  -h, --help           this text`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? ExitCodes.usage : ExitCodes.ok;
  }
  if (command === '--version' || command === 'version') {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`perimeter-collector ${version} (node ${process.versions.node})\n`);
    return ExitCodes.ok;
  }
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'tokens':
      return runTokensCommand(rest, { stdout: process.stdout, env: process.env, nowMs: Date.now });
    case 'forward':
      return runForwardCommand(rest, { stdout: process.stdout, env: process.env, nowMs: Date.now });
    case 'rules':
      return runRulesCommand(rest, { stdout: process.stdout, cwd: process.cwd() });
    case 'replay':
      return runReplayCommand(rest, {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        nowMs: Date.now,
      });
    case 'evidence':
      return runEvidenceCommand(rest, {
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        nowMs: Date.now,
      });
    case 'keys':
      return runKeysCommand(rest, { stdout: process.stdout, env: process.env, nowMs: Date.now });
    case 'checkpoint':
      return runCheckpointCommand(rest, { stdout: process.stdout, env: process.env, nowMs: Date.now });
    case 'verify':
      return runVerifyCommand(rest, { stdout: process.stdout, env: process.env, nowMs: Date.now });
    default:
      throw new UsageError(
        `unknown command "${command}" (expected serve, tokens, forward, rules, replay, evidence, keys, checkpoint or verify; see --help)`,
      );
  }
}

async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      listen: { type: 'string' },
      'data-dir': { type: 'string' },
      'log-level': { type: 'string' },
      'log-readings': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return ExitCodes.ok;
  }
  const config = collectorConfigArgs(
    values.config,
    {
      listen: values.listen,
      dataDir: values['data-dir'],
      logLevel: values['log-level'],
      logReadings: values['log-readings'],
    },
    process.env,
  );
  // Everything the collector writes (store, WAL) is readable by its own user only.
  process.umask(0o077);
  const log = pino({ level: config.logLevel, base: { service: 'perimeter-collector' } }, pino.destination(2));
  const collector = await startCollector(config, log);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await collector.stop();
  return ExitCodes.ok;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError || isParseArgsError(error)) {
      process.stderr.write(`perimeter-collector: ${(error as Error).message}\n`);
      process.exitCode = ExitCodes.usage;
      return;
    }
    process.stderr.write(`perimeter-collector: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = ExitCodes.failure;
  },
);

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('ERR_PARSE_ARGS');
}
