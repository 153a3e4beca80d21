import { ExitCodes } from '@perimeter/schema';
import { createProbe, formatProbe } from '../capture/probe.ts';
import { type CommandHost, openSources, sampleOnce } from './command-host.ts';

/** `probe [--json]`: one recorded round, then which readings this host has and why not. */
export async function runProbeCommand(host: CommandHost, json: boolean): Promise<number> {
  const probe = createProbe();
  const sources = openSources(host, host.world, probe.contextFor);
  const round = await sampleOnce(host, probe.wrap(sources.samplers));
  const report = probe.report(round, sources.host.platform);
  report.rows.push(...sources.probeRows());
  host.io.stdout.write(formatProbe(report, json));
  return ExitCodes.ok;
}
