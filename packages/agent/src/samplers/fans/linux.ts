import type { FsRoot } from '../../host/fs-root.ts';
import { scanHwmonSensors } from '../hwmon/scan.ts';
import type { Logger, MetricReading, SampleResult } from '../types.ts';
import { hwmonFanReading } from './parse.ts';

/** Linux fan speeds come only from hwmon; thermal zones have no fans (cooling devices have no rpm). */
export async function collectLinuxFans(fs: FsRoot, log: Logger): Promise<SampleResult> {
  const readings = (await scanHwmonSensors(fs, 'fan', log))
    .map(hwmonFanReading)
    .filter((r): r is MetricReading => r !== null);
  if (readings.length === 0) {
    return {
      status: 'not-available-here',
      reason: `no readable fan sensor under ${fs.root} (sys/class/hwmon)`,
    };
  }
  return { status: 'ok', readings };
}
