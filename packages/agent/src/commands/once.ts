import { ExitCodes } from '@perimeter/schema';
import { printRound } from '../telemetry/print-round.ts';
import { type CommandHost, openSources, sampleOnce } from './command-host.ts';

/** `once [--json]`: one round printed to stdout; nothing spooled or shipped. */
export async function runOnceCommand(host: CommandHost, json: boolean): Promise<number> {
  const sources = openSources(host);
  const round = await sampleOnce(host, sources.samplers);
  host.io.stdout.write(printRound(round, { nodeId: sources.nodeId, timeMs: host.clock.nowMs(), json }));
  return ExitCodes.ok;
}
