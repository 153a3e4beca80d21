import { readAppleSensors } from '../macos/apple-sensors.ts';
import { MACMON_INSTALL_HINT } from '../macos/macmon.ts';
import type { SampleResult, SamplerContext } from '../types.ts';

/**
 * macOS fan speeds. On Apple silicon the fans are visible only through the SMC (`F{i}Ac` keys):
 * powermetrics has no fan sampler there, mactop does not print them, and nothing built into macOS
 * prints rpm without root. So the reader is macmon (no root: `macmon serve` or `macmon pipe`);
 * without it the answer is `not-available-here` with what to install, never a made-up 0 rpm.
 */
export async function collectDarwinFans(context: SamplerContext): Promise<SampleResult> {
  const outcome = await readAppleSensors(context);
  if (outcome.status === 'missing') {
    return { status: 'not-available-here', reason: `fans are read from the SMC: ${outcome.reason}` };
  }
  if (outcome.status === 'error') return outcome;
  const { source, fans } = outcome.sensors;
  if (fans === null) {
    return {
      status: 'not-available-here',
      reason: `${source} reports no fan data; fans are read from the SMC: ${MACMON_INSTALL_HINT} (a release with fan support)`,
    };
  }
  if (fans.length === 0) {
    return { status: 'not-available-here', reason: `${source} lists no fan on this Mac (a fanless model?)` };
  }
  return { status: 'ok', readings: fans };
}
