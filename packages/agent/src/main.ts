import { readFileSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { type AgentConfig, ExitCodes } from '@perimeter/schema';
import { pino } from 'pino';
import { createProbe, formatProbe } from './capture/probe.ts';
import { createRecording, recordingWorld } from './capture/recording.ts';
import { loadReplayWorld } from './capture/replay.ts';
import { createSamplers, type HostWorld } from './capture/world.ts';
import { writeCapture } from './capture/write.ts';
import { agentUsage, defaultNodeId, loadAgentConfig, parseAgentArgs, requireToken } from './config.ts';
import { type Sleeper, systemClock } from './host/clock.ts';
import { createFetchText } from './host/fetch-text.ts';
import { createFsRoot } from './host/fs-root.ts';
import { createRunCommand } from './host/run-command.ts';
import { captureBaseline } from './samplers/drift/baseline.ts';
import { DRIFT_SAMPLER_NAME, type DriftSampler } from './samplers/drift/sampler.ts';
import { createLoginStreams } from './samplers/logins/index.ts';
import { loginsProbeRow } from './samplers/logins/probe-row.ts';
import { defaultSamplerDefinitions } from './samplers/registry.ts';
import { createLateStateStore } from './samplers/state-store.ts';
import { systeminformationSource } from './samplers/system/index.ts';
import { createProcSystemSource } from './samplers/system/linux-proc.ts';
import type { Logger, Sampler, SamplerContext } from './samplers/types.ts';
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
    if (parsed.version) {
      io.stdout.write(`perimeter-agent ${serviceVersion} (node ${process.versions.node})\n`);
      return ExitCodes.ok;
    }
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
    switch (parsed.command) {
      case 'run':
        return await runAgent(requireToken(config), log);
      case 'baseline':
        return await runBaselineCapture(config, io, log);
      case 'capture':
        return await runCapture(config, parsed.out ?? '', io, log);
      default: {
        const world =
          parsed.fromCapture === undefined ? realWorld(config) : loadReplayWorld(parsed.fromCapture);
        return parsed.command === 'probe'
          ? await runProbe(world, config, parsed.json, io, log)
          : await runOnce(world, config, parsed.json, io, log);
      }
    }
  } catch (error) {
    // A bad --out or capture directory is the user's to fix (exit 2); anything else is a failure.
    const usage = ['usage', 'config'].includes((error as { code?: string }).code ?? '');
    if (!usage) log.fatal({ err: (error as Error).message }, 'perimeter-agent failed');
    io.stderr.write(`perimeter-agent: ${(error as Error).message}\n`);
    return usage ? ExitCodes.usage : ExitCodes.failure;
  }
}

/** The real host: its name, platform, filesystem, programs and systeminformation. */
function realWorld(config: AgentConfig): HostWorld {
  return {
    host: { hostname: hostname(), platform: process.platform, arch: process.arch },
    fs: createFsRoot(config.fsRoot),
    runCommand: createRunCommand(),
    fetchText: createFetchText(),
    systemSource: process.platform === 'linux' ? createProcSystemSource() : systeminformationSource,
  };
}

function buildWorld(
  config: AgentConfig,
  log: pino.Logger,
  world: HostWorld = realWorld(config),
  contextFor?: (name: string, context: SamplerContext) => SamplerContext,
) {
  const state = createLateStateStore();
  const host = { ...world.host, release: release() };
  const { sleep } = createTimerSleeper();
  const samplers: Sampler[] = createSamplers(world, {
    toggles: config.samplers,
    clock: systemClock,
    log: log as unknown as Logger,
    samplerOptions: { ...config.hardware, drift: config.drift },
    state,
    contextFor,
  });
  return { ...world, host, sleep, samplers, state, nodeId: config.nodeId ?? defaultNodeId(host.hostname) };
}

function sampleOnce(
  { samplers, sleep }: { samplers: readonly Sampler[]; sleep: Sleeper['sleep'] },
  log: pino.Logger,
) {
  const runner = createSampleRunner({
    samplers,
    clock: systemClock,
    sleep,
    log,
    timeoutMs: DEFAULT_SAMPLER_TIMEOUT_MS,
  });
  return runner.run();
}

async function runAgent(config: AgentConfig & { token: string }, log: pino.Logger): Promise<number> {
  const world = buildWorld(config, log);
  const agentLog = log.child({ node: world.nodeId });
  const eventStreams = createLoginStreams({
    config: config.logins,
    platform: world.host.platform,
    runCommand: world.runCommand,
    clock: systemClock,
    log: agentLog.child({ sampler: 'logins' }) as unknown as Logger,
    sleep: world.sleep,
  });
  const agent = await createAgent({
    ...world,
    eventStreams,
    onSpoolOpen: (spool) => world.state.bind(spool),
    config,
    serviceVersion,
    clock: systemClock,
    random: Math.random,
    log: agentLog,
    gc: globalThis.gc,
  });
  agentLog.info(
    {
      collector: config.collector,
      dataDir: config.dataDir,
      intervalMs: config.interval,
      samplers: world.samplers.map((s) => s.name),
      streams: eventStreams.map((s) => s.name),
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

async function runOnce(host: HostWorld, config: AgentConfig, json: boolean, io: CliIo, log: pino.Logger) {
  const world = buildWorld(config, log, host);
  const round = await sampleOnce(world, log);
  io.stdout.write(printRound(round, { nodeId: world.nodeId, timeMs: systemClock.nowMs(), json }));
  return ExitCodes.ok;
}

async function runProbe(host: HostWorld, config: AgentConfig, json: boolean, io: CliIo, log: pino.Logger) {
  const probe = createProbe();
  const world = buildWorld(config, log, host, probe.contextFor);
  const round = await sampleOnce({ ...world, samplers: probe.wrap(world.samplers) }, log);
  const report = probe.report(round, world.host.platform);
  if (!world.replayed) {
    report.rows.push(
      loginsProbeRow({
        config: config.logins,
        platform: world.host.platform,
        runCommand: world.runCommand,
        clock: systemClock,
        log: log as unknown as Logger,
        sleep: world.sleep,
      }),
    );
  }
  io.stdout.write(formatProbe(report, json));
  return ExitCodes.ok;
}

/** One round against recording wrappers around the real host; the token and env are never written. */
async function runCapture(config: AgentConfig, out: string, io: CliIo, log: pino.Logger) {
  const real = realWorld(config);
  const recording = createRecording();
  const world = buildWorld(config, log, recordingWorld(real, recording));
  const round = await sampleOnce(world, log);
  const now = systemClock.nowMs();
  const printed = printRound(round, { nodeId: world.nodeId, timeMs: now, json: true });
  const summary = writeCapture(
    out,
    recording,
    { ...real.host, fsRoot: config.fsRoot },
    new Date(now),
    printed,
  );
  io.stdout.write(`captured ${summary.commands} commands, ${summary.files} files to ${summary.dir}\n`);
  return ExitCodes.ok;
}

/** `baseline capture`: the drift checks once, as a baseline YAML on stdout (exit 1 if they cannot run). */
async function runBaselineCapture(config: AgentConfig, io: CliIo, log: pino.Logger): Promise<number> {
  const world = buildWorld({ ...config, samplers: onlySampler(DRIFT_SAMPLER_NAME) }, log);
  const drift = world.samplers.find((s) => s.name === DRIFT_SAMPLER_NAME) as DriftSampler | undefined;
  if (drift === undefined) throw new Error(`drift checks do not run on ${world.host.platform}`);
  const result = await drift.collect();
  if (result.status === 'error') throw result.error;
  io.stdout.write(captureBaseline(drift.outcomes()));
  return ExitCodes.ok;
}

function onlySampler(name: string): AgentConfig['samplers'] {
  return Object.fromEntries(defaultSamplerDefinitions.map((d) => [d.name, { enabled: d.name === name }]));
}
