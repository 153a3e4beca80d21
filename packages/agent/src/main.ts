import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type AgentConfig, ExitCodes } from '@perimeter/schema';
import { pino } from 'pino';
import { loadReplayWorld } from './capture/replay.ts';
import type { HostWorld } from './capture/world.ts';
import { runBaselineCommand } from './commands/baseline.ts';
import { runCaptureCommand } from './commands/capture.ts';
import type { CliIo, CommandHost } from './commands/command-host.ts';
import { runOnceCommand } from './commands/once.ts';
import { runProbeCommand } from './commands/probe.ts';
import { runAgentCommand } from './commands/run.ts';
import { agentUsage, loadAgentConfig, parseAgentArgs, requireToken } from './config.ts';
import { systemClock } from './host/clock.ts';
import { createFetchText } from './host/fetch-text.ts';
import { createFsRoot } from './host/fs-root.ts';
import { createRunCommand } from './host/run-command.ts';
import { sourceDefinitions } from './samplers/registry.ts';
import { systeminformationSource } from './samplers/system/index.ts';
import { createProcSystemSource } from './samplers/system/linux-proc.ts';
import { createTimerSleeper } from './ship/sleep.ts';

/**
 * The one place that builds the real world (clock, timers, Math.random, child processes, the
 * filesystem root, the host name, pino on stderr) and hands it to a command body (commands/, one
 * file per command), and the one place that maps outcomes to exit codes: 0 ok, 2 usage/config
 * (one line naming the flag or key), 1 anything else. Logs never contain the token: it is only
 * ever passed to the shipper.
 */
export type { CliIo } from './commands/command-host.ts';

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
      sourceDefinitions,
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
    const host: CommandHost = {
      config,
      io,
      log,
      clock: systemClock,
      sleep: createTimerSleeper().sleep,
      random: Math.random,
      serviceVersion,
      world: parsed.fromCapture === undefined ? realWorld(config) : loadReplayWorld(parsed.fromCapture),
      realWorld: () => realWorld(config),
    };
    switch (parsed.command) {
      case 'run':
        return await runAgentCommand(host);
      case 'once':
        return await runOnceCommand(host, parsed.json);
      case 'probe':
        return await runProbeCommand(host, parsed.json);
      case 'capture':
        return await runCaptureCommand(host, parsed.out ?? '');
      case 'baseline':
        return await runBaselineCommand(host);
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
