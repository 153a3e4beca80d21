import { readFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { type AgentConfig, ExitCodes } from '@perimeter/schema';
import { pino } from 'pino';
import { agentUsage, defaultNodeId, loadAgentConfig, parseAgentArgs, requireToken } from './config.ts';
import { systemClock } from './host/clock.ts';
import { createFsRoot } from './host/fs-root.ts';
import { createRunCommand } from './host/run-command.ts';
import { defaultSamplerDefinitions, selectSamplers } from './samplers/registry.ts';
import type { Logger, Sampler } from './samplers/types.ts';
import { createTimerSleeper } from './ship/sleep.ts';
import { createAgent } from './telemetry/agent.ts';
import { DEFAULT_SAMPLER_TIMEOUT_MS } from './telemetry/agent-types.ts';
import { printRound } from './telemetry/print-round.ts';
import { createSampleRunner } from './telemetry/sample-round.ts';

/**
 * The one place that builds the real world (clock, timers, Math.random, child processes, the
 * filesystem root, the host name, pino on stderr) and hands it to the agent, and the one place
 * that maps outcomes to exit codes: 0 ok, 2 usage/config (one line naming the flag or key),
 * 1 anything else. Logs never contain the token: it is only ever passed to the shipper.
 */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const serviceVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let config: AgentConfig;
  let parsed: ReturnType<typeof parseAgentArgs>;
  try {
    parsed = parseAgentArgs(argv);
    if (parsed.help || parsed.command === undefined) {
      (parsed.help ? io.stdout : io.stderr).write(agentUsage[parsed.command ?? 'main']);
      return parsed.help ? ExitCodes.ok : ExitCodes.usage;
    }
    config = loadAgentConfig({
      file: parsed.configFile,
      flags: parsed.flags,
      env: io.env,
      samplerDefinitions: defaultSamplerDefinitions,
    });
    if (parsed.command === 'run') requireToken(config);
  } catch (error) {
    const err = error as Error & { code?: string };
    io.stderr.write(`perimeter-agent: ${err.message}\n`);
    return err.code === 'usage' || err.code === 'config' ? ExitCodes.usage : ExitCodes.failure;
  }
  const log = pino(
    { level: config.logLevel, base: { service: 'perimeter-agent' } },
    pino.destination({ dest: 2, sync: true }),
  );
  try {
    return parsed.command === 'run'
      ? await runAgent(requireToken(config), log)
      : await runOnce(config, parsed.json, io, log);
  } catch (error) {
    log.fatal({ err: (error as Error).message }, 'perimeter-agent failed');
    io.stderr.write(`perimeter-agent: ${(error as Error).message}\n`);
    return ExitCodes.failure;
  }
}

function buildWorld(config: AgentConfig, log: pino.Logger) {
  const host = { hostname: hostname(), platform: process.platform, arch: process.arch, release: release() };
  const fs = createFsRoot(config.fsRoot);
  const runCommand = createRunCommand();
  const { sleep } = createTimerSleeper();
  const samplers: Sampler[] = selectSamplers(defaultSamplerDefinitions, {
    platform: host.platform,
    toggles: config.samplers,
  }).map((definition) =>
    definition.create({
      clock: systemClock,
      runCommand,
      fs,
      log: log.child({ sampler: definition.name }) as Logger,
      platform: host.platform,
    }),
  );
  return { host, fs, runCommand, sleep, samplers, nodeId: config.nodeId ?? defaultNodeId(host.hostname) };
}

async function runAgent(config: AgentConfig & { token: string }, log: pino.Logger): Promise<number> {
  const world = buildWorld(config, log);
  const agentLog = log.child({ node: world.nodeId });
  const agent = await createAgent({
    ...world,
    config,
    serviceVersion,
    clock: systemClock,
    random: Math.random,
    log: agentLog,
  });
  agentLog.info(
    {
      collector: config.collector,
      dataDir: config.dataDir,
      intervalMs: config.interval,
      samplers: world.samplers.map((s) => s.name),
      stream: agent.streamId,
      spooled: agent.spool.stats().batches,
    },
    'perimeter-agent started',
  );
  agent.start();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const forceExit = () => {
    agentLog.warn({}, 'second signal: exiting without waiting for the shipper (spooled data is kept)');
    process.exit(ExitCodes.failure);
  };
  process.once('SIGINT', forceExit);
  process.once('SIGTERM', forceExit);
  agentLog.info({ signal }, 'stopping');
  const summary = await agent.stop();
  agentLog.info(summary, 'perimeter-agent stopped');
  return ExitCodes.ok;
}

async function runOnce(config: AgentConfig, json: boolean, io: CliIo, log: pino.Logger): Promise<number> {
  const world = buildWorld(config, log);
  const runner = createSampleRunner({
    samplers: world.samplers,
    clock: systemClock,
    sleep: world.sleep,
    log,
    timeoutMs: DEFAULT_SAMPLER_TIMEOUT_MS,
  });
  const round = await runner.run();
  io.stdout.write(printRound(round, { nodeId: world.nodeId, timeMs: systemClock.nowMs(), json }));
  return ExitCodes.ok;
}
