import { AttributeNames, MetricNames } from '@perimeter/schema';
import type { RunCommand } from '../../host/run-command.ts';
import { readAppleSensors } from '../macos/apple-sensors.ts';
import type { Logger, SampleResult, SamplerContext } from '../types.ts';
import { darwinGpuReadings, darwinGpuStats } from './darwin-stats.ts';
import { parseIoregNodes } from './ioreg-parse.ts';

/**
 * Metal GPU load on macOS without root: every IOAccelerator publishes a `PerformanceStatistics`
 * dictionary in the IORegistry (what exelban/stats reads through IOKit), and `ioreg` prints it for
 * any user. powermetrics has GPU residency and power too, but needs root, so it is not used here.
 */

export const IOREG_ACCELERATOR_ARGV: readonly string[] = [
  'ioreg',
  '-r',
  '-d',
  '1',
  '-w',
  '0',
  '-c',
  'IOAccelerator',
];
export const IOREG_TIMEOUT_MS = 5_000;

export async function readDarwinGpus(runCommand: RunCommand, log: Logger): Promise<SampleResult> {
  const result = await runCommand(IOREG_ACCELERATOR_ARGV, { timeoutMs: IOREG_TIMEOUT_MS });
  switch (result.status) {
    case 'not-found':
      return { status: 'not-available-here', reason: 'ioreg not installed' };
    case 'timeout':
      return { status: 'error', error: new Error(`ioreg timed out after ${result.afterMs} ms`) };
    case 'failed': {
      const firstLine = result.stderr.split('\n').find((line) => line.trim() !== '') ?? '(no stderr)';
      return {
        status: 'error',
        error: new Error(`ioreg exited with ${result.exitCode ?? 'a signal'}: ${firstLine.trim()}`),
      };
    }
    case 'ok':
      break;
  }
  const nodes = parseIoregNodes(result.stdout);
  if (nodes.length === 0) {
    // ioreg prints nothing, and exits 0, when no class matches (e.g. a VM without a Metal device).
    return result.stdout.trim() === ''
      ? { status: 'not-available-here', reason: 'ioreg listed no IOAccelerator' }
      : {
          status: 'error',
          error: new Error(`ioreg printed no IOAccelerator entry: ${result.stdout.trim().slice(0, 80)}`),
        };
  }
  const gpus = nodes.flatMap((node, index) => {
    const stats = darwinGpuStats(node, index);
    if (node.problems.length > 0) {
      log.warn(
        { accelerator: node.className, problems: node.problems },
        'ioreg properties skipped: did not parse',
      );
    }
    return stats === null ? [] : [stats];
  });
  const readings = gpus.flatMap(darwinGpuReadings);
  if (readings.length === 0) {
    const classes = nodes.map((node) => node.className).join(', ');
    const garbled = nodes.some((node) => node.problems.some((p) => p.includes('"PerformanceStatistics"')));
    return garbled
      ? {
          status: 'error',
          error: new Error(`PerformanceStatistics did not parse on IOAccelerator ${classes}`),
        }
      : { status: 'not-available-here', reason: `no PerformanceStatistics on IOAccelerator ${classes}` };
  }
  return { status: 'ok', readings };
}

/**
 * ioreg's Metal statistics first (built in); power (`hw.power` cpu, gpu, ane, package, system)
 * from whichever sensor reader answered; that reader's GPU residency only when ioreg has none, so
 * one GPU is never reported twice under two ids.
 */
export async function collectDarwinGpus(context: SamplerContext): Promise<SampleResult> {
  const [metal, sensors] = await Promise.all([
    readDarwinGpus(context.runCommand, context.log),
    readAppleSensors(context),
  ]);
  if (sensors.status !== 'ok') {
    return metal;
  }
  const { source, power, gpuUtilization } = sensors.sensors;
  const readings = metal.status === 'ok' ? [...metal.readings] : [];
  const hasUtilization = readings.some((r) => r.metric === MetricNames.hwGpuUtilization);
  if (!hasUtilization && gpuUtilization !== null) {
    readings.push({
      metric: MetricNames.hwGpuUtilization,
      value: gpuUtilization,
      attributes: { [AttributeNames.hwId]: `${source.split(' ')[0]}:gpu`, [AttributeNames.hwName]: 'GPU' },
    });
  }
  readings.push(...power);
  if (readings.length === 0) return metal;
  return { status: 'ok', readings };
}
