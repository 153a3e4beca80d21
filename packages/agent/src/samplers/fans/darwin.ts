import { MACMON_INSTALL_HINT, macmonFanReadings, readMacmon } from '../macos/macmon.ts';
import type { SampleResult, SamplerContext } from '../types.ts';

/**
 * macOS fan speeds. On Apple silicon the fans are visible only through the SMC (`F{i}Ac` keys):
 * powermetrics has no fan sampler there, and nothing built into macOS prints rpm without root. So
 * the reader is macmon (no root) when installed; without it the answer is `not-available-here`
 * with what to install, never a made-up 0 rpm. A Mac whose macmon lists no fan (fanless models, or
 * a macmon release older than its fan support) is also not-available, with that reason.
 */
export async function collectDarwinFans(context: SamplerContext): Promise<SampleResult> {
  const outcome = await readMacmon(context.runCommand);
  if (outcome.status === 'missing') {
    return { status: 'not-available-here', reason: `fans are read from the SMC: ${outcome.reason}` };
  }
  if (outcome.status === 'error') return outcome;
  if (outcome.sample.fans === null) {
    return {
      status: 'not-available-here',
      reason: `this macmon reports no fans field; ${MACMON_INSTALL_HINT}, a release with fan support`,
    };
  }
  const readings = macmonFanReadings(outcome.sample);
  if (readings.length === 0) {
    return { status: 'not-available-here', reason: 'macmon lists no fan on this Mac (a fanless model?)' };
  }
  return { status: 'ok', readings };
}
