import { ExitCodes } from '@perimeter/schema';
import { requireToken } from '../config.ts';
import { createAgent } from '../telemetry/agent.ts';
import { type CommandHost, openSources } from './command-host.ts';

/** `run`: sample every interval, spool, ship; until SIGINT/SIGTERM (a second signal exits at once). */
export async function runAgentCommand(host: CommandHost): Promise<number> {
  const config = requireToken(host.config);
  const sources = openSources(host);
  const log = host.log.child({ node: sources.nodeId });
  const eventStreams = sources.createStreams();
  const agent = await createAgent({
    ...host.world,
    host: sources.host,
    nodeId: sources.nodeId,
    samplers: sources.samplers,
    eventStreams,
    onSpoolOpen: (spool) => sources.state.bind(spool),
    config,
    serviceVersion: host.serviceVersion,
    clock: host.clock,
    sleep: host.sleep,
    random: host.random,
    log,
    gc: globalThis.gc,
  });
  log.info(
    {
      collector: config.collector,
      dataDir: config.dataDir,
      intervalMs: config.interval,
      samplers: sources.samplers.map((s) => s.name),
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
    log.warn({}, 'second signal: exiting without waiting for the shipper (spooled data is kept)');
    process.exit(ExitCodes.failure);
  };
  process.once('SIGINT', forceExit);
  process.once('SIGTERM', forceExit);
  log.info({ signal }, 'stopping');
  const summary = await agent.stop();
  log.info(summary, 'perimeter-agent stopped');
  return ExitCodes.ok;
}
