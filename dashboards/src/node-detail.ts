import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ANY_IS_BAD,
  amberThenRed,
  DashboardUids,
  DRIFT_MAP,
  nodeVariable,
  perimeterDashboard,
  RATIO_STEPS,
  rangeCount,
  SILENCE_STEPS,
  TEMPERATURE_STEPS,
  THERMAL_PRESSURE_MAP,
  THERMAL_PRESSURE_STEPS,
} from './common-panels.ts';
import { Prom } from './metric-names.ts';
import { Colors, row, stat, stateTimeline, table, timeseries, valueMap } from './panels.ts';

/**
 * One node, everything it reports: the Node Exporter Full layout (quick stats, then rows) with
 * what that dashboard lacks for this fleet: per-sensor temperatures against the sensor's own
 * limits, Mac thermal pressure and power rails, GPU load and memory, logins and drift.
 */
const N = 'node="$node"';

export function buildNodeDetail(): dashboard.Dashboard {
  return perimeterDashboard({
    uid: DashboardUids.node,
    title: 'Perimeter / Node detail',
    description:
      'One node: thermals against limits, fans, thermal pressure, GPU, CPU/memory/disk, logins, drift, agent health.',
    tags: ['node'],
    variables: [nodeVariable(Prom.nodeLastSeen)],
  })
    .withRow(row('Quick look: $node'))
    .withPanel(
      stat({
        title: 'Silent for',
        description: 'Seconds since the collector stored this node’s last batch; NodeDown starts at 60 s.',
        width: 3,
        height: 4,
        unit: 's',
        thresholds: SILENCE_STEPS,
        queries: [{ expr: `time() - ${Prom.nodeLastSeen}{${N}}` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Uptime',
        description: 'Time since the node booted (system.uptime).',
        width: 3,
        height: 4,
        unit: 's',
        decimals: 1,
        thresholds: [[null, Colors.info]],
        queries: [{ expr: `${Prom.uptime}{${N}}` }],
      }),
    )
    .withPanel(
      stat({
        title: 'CPU busy',
        description: 'Share of CPU time not idle, all cores.',
        width: 3,
        height: 4,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: RATIO_STEPS,
        sparkline: true,
        queries: [{ expr: `${Prom.cpuUtilization}{${N}}` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Memory used',
        description: 'Share of physical memory in use (system.memory.utilization).',
        width: 3,
        height: 4,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: RATIO_STEPS,
        sparkline: true,
        queries: [{ expr: `${Prom.memoryUtilization}{${N}}` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Fullest filesystem',
        description: 'The fullest mounted filesystem; the disk panel below names it.',
        width: 3,
        height: 4,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: RATIO_STEPS,
        queries: [{ expr: `max(${Prom.filesystemUtilization}{${N}})` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Hottest sensor',
        description: 'The highest temperature on this node now.',
        width: 3,
        height: 4,
        unit: 'celsius',
        min: 0,
        max: 110,
        thresholds: TEMPERATURE_STEPS,
        sparkline: true,
        queries: [{ expr: `max(${Prom.temperature}{${N}})` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Drift checks failing',
        description: 'Checks whose current result differs from this node’s baseline (table below).',
        width: 3,
        height: 4,
        unit: 'short',
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum(${Prom.driftCheck}{${N}} == bool 0)` }],
      }),
    )
    .withPanel(
      rangeCount({
        title: 'Failed logins (range)',
        description: 'Failed logins on this node in the selected range, all methods.',
        width: 3,
        thresholds: amberThenRed(3, 10),
        selector: `${Prom.authFailures}{${N}}`,
      }),
    )
    .withRow(row('Thermals'))
    .withPanel(
      timeseries({
        title: 'Temperatures per sensor, with limits',
        description:
          'Every temperature sensor (hwmon, thermal zones, macmon/mactop SoC sensors, GPUs). Dashed series: the sensor’s own limits (hw.temperature.limit: high.degraded = max, high.critical = crit). Threshold lines at 85/95 °C for sensors that have none.',
        width: 16,
        height: 10,
        unit: 'celsius',
        min: 20,
        thresholds: TEMPERATURE_STEPS,
        thresholdLines: true,
        queries: [
          { expr: `${Prom.temperature}{${N}}`, legend: '{{hw_name}} ({{hw_id}})' },
          {
            expr: `${Prom.temperatureLimit}{${N}, hw_limit_type=~"high.critical|high.degraded"}`,
            legend: '{{hw_name}} ({{hw_id}}) {{hw_limit_type}} limit',
          },
        ],
      }).overrideByRegexp('.* limit$', [
        { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        { id: 'custom.fillOpacity', value: 0 },
        { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
      ]),
    )
    .withPanel(
      timeseries({
        title: 'Headroom to critical, per sensor',
        description:
          'Critical limit minus reading, for sensors that have a critical limit. Under 10 °C the sensor is close to throttling or shutdown; ThermalLimit (critical) fires at 0.',
        width: 8,
        height: 10,
        unit: 'celsius',
        min: 0,
        thresholds: [
          [null, Colors.bad],
          [5, Colors.warn],
          [10, Colors.ok],
        ],
        thresholdLines: true,
        queries: [
          {
            expr: `${Prom.temperatureLimit}{${N}, hw_limit_type="high.critical"} - ignoring(hw_limit_type) ${Prom.temperature}{${N}}`,
            legend: '{{hw_name}} ({{hw_id}})',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Fans',
        description:
          'Fan speed per fan, with the fan’s low limits (hw.fan.speed.limit) dashed. On a Mac the fan needs macmon; without it the fan is not reported rather than shown as 0.',
        width: 12,
        height: 8,
        unit: 'rotrpm',
        min: 0,
        queries: [
          { expr: `${Prom.fanSpeed}{${N}}`, legend: '{{hw_name}}' },
          {
            expr: `${Prom.fanSpeedLimit}{${N}, hw_limit_type=~"low.critical|low.degraded"}`,
            legend: '{{hw_name}} {{hw_limit_type}} limit',
          },
        ],
      }).overrideByRegexp('.* limit$', [
        { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        { id: 'custom.fillOpacity', value: 0 },
      ]),
    )
    .withPanel(
      stateTimeline({
        title: 'Thermal pressure',
        description:
          'macOS thermal pressure (pmset, mactop or powermetrics): nominal → moderate → heavy (throttling; ThermalPressureHeavy pages after 3 min) → trapping → sleeping. Not reported by Linux nodes.',
        width: 12,
        height: 8,
        min: 0,
        max: 4,
        thresholds: THERMAL_PRESSURE_STEPS,
        mappings: [THERMAL_PRESSURE_MAP],
        queries: [{ expr: `${Prom.thermalPressure}{${N}}`, legend: 'pressure' }],
      }),
    )
    .withRow(row('GPU and power'))
    .withPanel(
      timeseries({
        title: 'GPU utilisation',
        description:
          'Per GPU (Apple GPU via ioreg, NVIDIA via nvidia-smi, AMD via gpu_busy_percent). Sustained 95 % over 10 min is GpuSaturated (info): the node is at capacity.',
        width: 8,
        height: 8,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: RATIO_STEPS,
        queries: [{ expr: `${Prom.gpuUtilization}{${N}}`, legend: '{{hw_name}} ({{hw_id}})' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'GPU memory used',
        description:
          'GPU memory in use over the GPU’s total (hw.gpu.memory.usage / limit). Apple silicon shares memory with the CPU: see Memory.',
        width: 8,
        height: 8,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: RATIO_STEPS,
        queries: [
          {
            expr: `${Prom.gpuMemoryUsage}{${N}} / ${Prom.gpuMemoryLimit}{${N}}`,
            legend: '{{hw_name}} ({{hw_id}})',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Power draw',
        description:
          'Power per rail: cpu, gpu, ane (Neural Engine), package (the SoC total) on Macs via macmon/mactop; the GPU board on NVIDIA. Package includes the others: do not add them up.',
        width: 8,
        height: 8,
        unit: 'watt',
        min: 0,
        queries: [{ expr: `${Prom.power}{${N}}`, legend: '{{hw_name}}' }],
      }),
    )
    .withRow(row('CPU, memory, disk'))
    .withPanel(
      timeseries({
        title: 'CPU',
        description: 'Share of CPU time not idle, all cores.',
        width: 8,
        height: 8,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: RATIO_STEPS,
        queries: [{ expr: `${Prom.cpuUtilization}{${N}}`, legend: 'busy' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Memory',
        description: 'Physical memory by state (used, free, …), stacked: the top of the stack is the total.',
        width: 8,
        height: 8,
        unit: 'bytes',
        min: 0,
        stacked: true,
        queries: [{ expr: `${Prom.memoryUsage}{${N}}`, legend: '{{system_memory_state}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Disk space used',
        description: 'Share used per mounted filesystem. Model weights and logs fill disks: amber at 80 %.',
        width: 8,
        height: 8,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: RATIO_STEPS,
        queries: [
          {
            expr: `${Prom.filesystemUtilization}{${N}}`,
            legend: '{{system_filesystem_mountpoint}} ({{system_device}})',
          },
        ],
      }),
    )
    .withRow(row('Logins and drift'))
    .withPanel(
      timeseries({
        title: 'Logins by outcome',
        description:
          'Successful and failed logins per interval (auth.login events). Who and from where: `perimeter-collector replay --node $node` or the console’s timeline; metrics never carry user names or addresses.',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        bars: true,
        queries: [
          {
            expr: `sum by (outcome) (increase(${Prom.authLogins}{${N}}[$__rate_interval]))`,
            legend: '{{outcome}}',
          },
        ],
      })
        .overrideByName('failure', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }])
        .overrideByName('success', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'green' } }]),
    )
    .withPanel(
      timeseries({
        title: 'Failed logins by method',
        description: 'Failed logins per interval by method: ssh, console, screensaver, sudo, other.',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        bars: true,
        stacked: true,
        queries: [
          {
            expr: `sum by (auth_method) (increase(${Prom.authFailures}{${N}}[$__rate_interval]))`,
            legend: '{{auth_method}}',
          },
        ],
      }),
    )
    .withPanel(
      table({
        title: 'Drift checks',
        description:
          'Each configuration check on this node against its baseline, with the controls it evidences (SOC 2 / ISO 27001:2022). A check that needs root the agent lacks is skipped, never passed.',
        width: 8,
        height: 8,
        mappings: [DRIFT_MAP],
        queries: [{ expr: `${Prom.driftCheck}{${N}}`, instant: true, table: true }],
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, __name__: true, job: true, instance: true, node: true },
              renameByName: { check_id: 'Check', check_controls: 'Controls', Value: 'Result' },
              indexByName: { check_id: 0, Value: 1, check_controls: 2 },
            },
          },
        ],
      }).overrideByName('Result', [{ id: 'custom.cellOptions', value: { type: 'color-background' } }]),
    )
    .withRow(row('Agent'))
    .withPanel(
      stateTimeline({
        title: 'Samplers',
        description:
          'Whether each sampler’s last run succeeded (perimeter.agent.sampler.success). A sampler with nothing to read on this host (no GPU, no fan) is not-available-here and reports no series.',
        width: 12,
        height: 7,
        min: 0,
        max: 1,
        mappings: [
          valueMap([
            [1, 'ok', Colors.ok],
            [0, 'failed', Colors.bad],
          ]),
        ],
        queries: [{ expr: `${Prom.samplerSuccess}{${N}}`, legend: '{{perimeter_sampler}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Spool backlog and clock skew',
        description:
          'Batches waiting in the agent’s spool (grows while the collector is unreachable; nothing is lost until the spool cap) and how far the node’s clock is ahead of the collector (ClockSkew warns past 30 s).',
        width: 12,
        height: 7,
        unit: 'short',
        min: 0,
        queries: [
          { expr: `${Prom.spoolBatches}{${N}}`, legend: 'spooled batches' },
          { expr: `${Prom.ingestClockSkew}{${N}}`, legend: 'clock skew (s)' },
        ],
      }).overrideByName('clock skew (s)', [
        { id: 'unit', value: 's' },
        { id: 'custom.axisPlacement', value: 'right' },
        { id: 'min', value: null },
      ]),
    )
    .build();
}
