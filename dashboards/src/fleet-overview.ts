import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  ANY_IS_BAD,
  amberThenRed,
  DashboardUids,
  intervalBars,
  mergeThenOrganize,
  NODE_CELL_LINKS,
  nodeDataLinks,
  perimeterDashboard,
  RATIO_STEPS,
  rangeCount,
  SILENCE_STEPS,
  stepsJson,
  TEMPERATURE_STEPS,
  THERMAL_PRESSURE_MAP,
  THERMAL_PRESSURE_STEPS,
  UP_MAP,
} from './common-panels.ts';
import { COLLECTOR_JOB, Label, Prom, PrometheusOwn } from './metric-names.ts';
import { barGauge, Colors, heatmapRows, row, stat, stateTimeline, table, timeseries } from './panels.ts';

/**
 * Fleet overview: the first screen of a shift. Is every node reporting, is anything hot, is a
 * fan or GPU pinned, is anyone guessing passwords, has any node drifted, and what is firing.
 */
const silence = `time() - ${Prom.nodeLastSeen}`;

export function buildFleetOverview(): dashboard.Dashboard {
  return perimeterDashboard({
    uid: DashboardUids.fleet,
    title: 'Perimeter / Fleet overview',
    description: 'Every node at a glance: reporting, heat, fans, GPU load, logins, drift and alerts.',
    tags: ['fleet'],
  })
    .withRow(row('At a glance'))
    .withPanel(
      stat({
        title: 'Nodes reporting',
        description:
          'Nodes the collector stored a batch from in the last 60 s (the NodeDown rule’s line). A node that never reported is not counted: compare with your inventory.',
        width: 4,
        height: 4,
        unit: 'short',
        thresholds: [[null, Colors.info]],
        queries: [{ expr: `sum(${silence} < bool 60)` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Nodes silent > 60 s',
        description:
          'Known nodes with no stored batch for over 60 s: powered off, network cut, agent stopped or its token revoked. NodeDown pages after a further minute.',
        width: 4,
        height: 4,
        unit: 'short',
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum(${silence} > bool 60)` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Alerts firing (collector)',
        description:
          'Alerts the collector’s own rule engine holds in state firing (perimeter_alerts_active). The table at the bottom lists what Prometheus evaluates from the same rules.',
        width: 4,
        height: 4,
        unit: 'short',
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum(${Prom.alertsActive}{state="firing"})` }],
      }),
    )
    .withPanel(
      rangeCount({
        title: 'Failed logins (range)',
        description:
          'Failed logins (ssh, console, screensaver, sudo) across the fleet in the selected time range, derived by the collector from auth.login events.',
        width: 4,
        thresholds: amberThenRed(10, 50),
        selector: Prom.authFailures,
      }),
    )
    .withPanel(
      stat({
        title: 'Drift checks failing',
        description:
          '(node, check) pairs whose current result differs from the node’s baseline. Each maps to SOC 2 / ISO 27001 controls: see Security & compliance.',
        width: 4,
        height: 4,
        unit: 'short',
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum(${Prom.driftCheck} == bool 0)` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Hottest sensor',
        description: 'The highest temperature any sensor on any node reports now.',
        width: 4,
        height: 4,
        unit: 'celsius',
        min: 0,
        max: 110,
        thresholds: TEMPERATURE_STEPS,
        sparkline: true,
        queries: [{ expr: `max(${Prom.temperature})` }],
      }),
    )
    .withPanel(
      table({
        title: 'Nodes: up/down and last seen',
        description:
          'One row per node the collector knows. Silent for = seconds since its last stored batch (amber at 30 s, red at 60 s, when NodeDown starts counting). Click a node for its detail dashboard.',
        width: 24,
        height: 7,
        queries: [
          { expr: `${silence} < bool 60`, instant: true, table: true },
          { expr: silence, instant: true, table: true },
          { expr: `${Prom.nodeLastSeen} * 1000`, instant: true, table: true },
        ],
        transformations: mergeThenOrganize({
          excludeByName: { Time: true, job: true, instance: true },
          renameByName: { 'Value #A': 'State', 'Value #B': 'Silent for', 'Value #C': 'Last seen' },
          indexByName: { node: 0, 'Value #A': 1, 'Value #B': 2, 'Value #C': 3 },
        }),
      })
        .overrideByName('State', [
          { id: 'mappings', value: [UP_MAP] },
          { id: 'custom.cellOptions', value: { type: 'color-background' } },
        ])
        .overrideByName('Silent for', [
          { id: 'unit', value: 's' },
          { id: 'thresholds', value: { mode: 'absolute', steps: stepsJson(SILENCE_STEPS) } },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
        ])
        .overrideByName('Last seen', [{ id: 'unit', value: 'dateTimeAsIso' }])
        .overrideByName(Label.node, [{ id: 'links', value: NODE_CELL_LINKS }]),
    )
    .withRow(row('Heat and fans'))
    .withPanel(
      timeseries({
        title: 'Hottest sensors (top 10)',
        description:
          'The ten hottest sensors across the fleet. Dashed lines: 85 °C (amber) and 95 °C (the ThermalLimit rule for CPU/SoC sensors without a limit of their own; GPUs page at 90 °C, NVMe at 70 °C).',
        width: 12,
        height: 9,
        unit: 'celsius',
        min: 20,
        thresholds: TEMPERATURE_STEPS,
        thresholdLines: true,
        queries: [{ expr: `topk(10, ${Prom.temperature})`, legend: '{{node}} {{hw_name}}' }],
      }).dataLinks(nodeDataLinks()),
    )
    .withPanel(
      barGauge({
        title: 'Hottest sensor per node',
        description: 'The highest reading on each node now.',
        width: 6,
        height: 9,
        unit: 'celsius',
        min: 0,
        max: 110,
        thresholds: TEMPERATURE_STEPS,
        queries: [{ expr: `max by (node) (${Prom.temperature})`, legend: '{{node}}', instant: true }],
      }).dataLinks(nodeDataLinks()),
    )
    .withPanel(
      barGauge({
        title: 'Headroom to the critical limit',
        description:
          'Per node, the smallest gap between a sensor and its own critical limit (hw.temperature.limit high.critical, from hwmon tempN_crit or the GPU’s slowdown temperature). Below 10 °C the hardware is about to throttle or shut down. Sensors without a limit (most Mac SoC sensors) are not in this panel.',
        width: 6,
        height: 9,
        unit: 'celsius',
        min: 0,
        max: 60,
        thresholds: [
          [null, Colors.bad],
          [5, Colors.warn],
          [10, Colors.ok],
        ],
        queries: [
          {
            expr: `min by (node) (${Prom.temperatureLimit}{hw_limit_type="high.critical"} - ignoring(hw_limit_type) ${Prom.temperature})`,
            legend: '{{node}}',
            instant: true,
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Fan speeds',
        description:
          'Every fan on every node. An M4 Mac mini’s one fan needs macmon on the node (see the README); without it the fan is reported as not available, never as 0 rpm. A fan at 0 rpm on a node above 70 °C pages (FanStalled).',
        width: 12,
        height: 8,
        unit: 'rotrpm',
        min: 0,
        queries: [{ expr: Prom.fanSpeed, legend: '{{node}} {{hw_name}}' }],
      }).dataLinks(nodeDataLinks()),
    )
    .withPanel(
      stateTimeline({
        title: 'Thermal pressure (Macs)',
        description:
          'macOS thermal pressure per node: nominal, moderate, heavy (the OS is throttling; ThermalPressureHeavy pages after 3 min), trapping, sleeping. Linux nodes do not report it.',
        width: 12,
        height: 8,
        min: 0,
        max: 4,
        thresholds: THERMAL_PRESSURE_STEPS,
        mappings: [THERMAL_PRESSURE_MAP],
        queries: [{ expr: `max by (node) (${Prom.thermalPressure})`, legend: '{{node}}' }],
      }),
    )
    .withRow(row('GPU'))
    .withPanel(
      heatmapRows({
        title: 'GPU load across nodes',
        description:
          'One row per node, colour = the busiest GPU’s utilisation (Apple GPU from ioreg, NVIDIA from nvidia-smi, AMD from gpu_busy_percent). A row that stays dark orange is a node pinned by inference; GpuSaturated notes 95 % averaged over 10 min.',
        width: 16,
        height: 9,
        unit: 'percentunit',
        min: 0,
        max: 1,
        queries: [{ expr: `max by (node) (${Prom.gpuUtilization})`, legend: '{{node}}' }],
      }),
    )
    .withPanel(
      barGauge({
        title: 'GPU utilisation now',
        description: 'The busiest GPU per node, now.',
        width: 8,
        height: 9,
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: RATIO_STEPS,
        queries: [{ expr: `max by (node) (${Prom.gpuUtilization})`, legend: '{{node}}', instant: true }],
      }).dataLinks(nodeDataLinks()),
    )
    .withRow(row('Security and alerts'))
    .withPanel(
      intervalBars({
        title: 'Failed logins by node',
        description:
          'Failed logins per node per interval. AuthFailureSpike pages at more than 10 in 5 min on one node, AuthFailureSpikeFleet at 50 across the fleet. Users and source addresses are in the events (replay), not in metrics.',
        queries: [
          {
            expr: `sum by (node) (increase(${Prom.authFailures}[$__rate_interval]))`,
            legend: '{{node}}',
          },
        ],
      }).dataLinks(nodeDataLinks()),
    )
    .withPanel(
      barGauge({
        title: 'Drift: failing checks per node',
        description:
          'How many configuration checks differ from each node’s baseline now (firewall, disk encryption, sshd, updates, …). ConfigDrift and DiskEncryptionOff page on these.',
        width: 12,
        height: 8,
        unit: 'short',
        min: 0,
        decimals: 0,
        thresholds: ANY_IS_BAD,
        queries: [
          {
            expr: `sum by (node) (${Prom.driftCheck} == bool 0)`,
            legend: '{{node}}',
            instant: true,
          },
        ],
      }).dataLinks(nodeDataLinks()),
    )
    .withPanel(
      table({
        title: 'Firing alerts (Prometheus)',
        description:
          'Alerts Prometheus holds firing from deploy/prometheus/perimeter.rules.yml (the same rules the collector evaluates). Empty is good. Needs the rule file loaded by Prometheus.',
        width: 24,
        height: 7,
        queries: [{ expr: `${PrometheusOwn.alerts}{alertstate="firing"}`, instant: true, table: true }],
        transformations: [
          {
            id: 'organize',
            options: {
              excludeByName: {
                Time: true,
                Value: true,
                __name__: true,
                alertstate: true,
                job: true,
                instance: true,
                monitor: true,
              },
              indexByName: { alertname: 0, severity: 1, node: 2 },
            },
          },
        ],
      }).overrideByName(Label.node, [{ id: 'links', value: NODE_CELL_LINKS }]),
    )
    .withPanel(
      stat({
        title: 'Collector scrape',
        description: `Whether Prometheus can scrape the collector (job ${COLLECTOR_JOB}). When this is down every other panel goes stale.`,
        width: 24,
        height: 3,
        mappings: [UP_MAP],
        thresholds: [
          [null, Colors.bad],
          [1, Colors.ok],
        ],
        queries: [{ expr: `${PrometheusOwn.up}{job="${COLLECTOR_JOB}"}`, legend: '{{instance}}' }],
      }),
    )
    .build();
}
