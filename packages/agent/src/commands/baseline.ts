import { ExitCodes } from '@perimeter/schema';
import { captureBaseline } from '../samplers/drift/baseline.ts';
import { DRIFT_SAMPLER_NAME, type DriftSampler } from '../samplers/drift/sampler.ts';
import { sourceDefinitions } from '../samplers/registry.ts';
import { type CommandHost, openSources } from './command-host.ts';

/** `baseline capture`: the drift checks once, as a baseline YAML on stdout (exit 1 if they cannot run). */
export async function runBaselineCommand(host: CommandHost): Promise<number> {
  const onlyDrift = Object.fromEntries(
    sourceDefinitions.map((d) => [d.name, { enabled: d.name === DRIFT_SAMPLER_NAME }]),
  );
  const sources = openSources({ ...host, config: { ...host.config, samplers: onlyDrift } });
  const drift = sources.samplers.find((s) => s.name === DRIFT_SAMPLER_NAME) as DriftSampler | undefined;
  if (drift === undefined) throw new Error(`drift checks do not run on ${host.world.host.platform}`);
  const result = await drift.collect();
  if (result.status === 'error') throw result.error;
  host.io.stdout.write(captureBaseline(drift.outcomes()));
  return ExitCodes.ok;
}
