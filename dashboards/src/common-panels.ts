import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import type { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { Colors, DATASOURCE, type Query, type Steps, stat, timeseries, valueMap } from './panels.ts';

/**
 * What several dashboards share: thresholds that match the alert rules in
 * deploy/rules/perimeter.rules.yaml (so a red cell and a page mean the same thing), value maps for
 * the coded gauges, and the dashboard frame (time range, refresh, links between the four).
 */

/** Green, amber from `amberFrom`, red from `redFrom`: the traffic light most tiles colour by. */
export function amberThenRed(amberFrom: number, redFrom: number): Steps {
  return [
    [null, Colors.ok],
    [amberFrom, Colors.warn],
    [redFrom, Colors.bad],
  ];
}

/** ThermalLimit's general line is 95 °C; amber 10 degrees before it. */
export const TEMPERATURE_STEPS: Steps = amberThenRed(85, 95);

/** NodeDown fires after 60 s of silence; amber after two missed agent intervals (10 s each). */
export const SILENCE_STEPS: Steps = amberThenRed(30, 60);

/** Ratios (0..1): amber at 80 %, red at 95 % (GpuSaturated averages above 0.95). */
export const RATIO_STEPS: Steps = amberThenRed(0.8, 0.95);

/** Any non-zero count is worth a look (failed checks, drops, dead letters). */
export const ANY_IS_BAD: Steps = [
  [null, Colors.ok],
  [1, Colors.bad],
];

/** perimeter.thermal.pressure levels, as ARCHITECTURE.md "Names" defines them. */
export const THERMAL_PRESSURE_MAP = valueMap([
  [0, 'nominal', Colors.ok],
  [1, 'moderate', 'yellow'],
  [2, 'heavy', Colors.warn],
  [3, 'trapping', Colors.bad],
  [4, 'sleeping', 'purple'],
]);

export const THERMAL_PRESSURE_STEPS: Steps = [
  [null, Colors.ok],
  [1, 'yellow'],
  [2, Colors.warn],
  [3, Colors.bad],
];

export const DRIFT_MAP = valueMap([
  [1, 'pass', Colors.ok],
  [0, 'FAIL', Colors.bad],
]);

export const UP_MAP = valueMap([
  [1, 'up', Colors.ok],
  [0, 'DOWN', Colors.bad],
]);

export const DashboardUids = {
  fleet: 'perimeter-fleet',
  node: 'perimeter-node',
  security: 'perimeter-security',
  collector: 'perimeter-collector',
  inference: 'perimeter-inference',
} as const;

/** A dashboard with the settings all four share; `build(panels)` appends rows and panels in order. */
export function perimeterDashboard(options: {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables?: Array<cog.Builder<dashboard.VariableModel>>;
}): dashboard.DashboardBuilder {
  const builder = new dashboard.DashboardBuilder(options.title)
    .uid(options.uid)
    .description(options.description)
    .tags(['perimeter', ...options.tags])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .link(
      new dashboard.DashboardLinkBuilder('Perimeter')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['perimeter'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const variable of options.variables ?? []) builder.withVariable(variable);
  return builder;
}

/** The node picker: every node the collector has stored a batch from. */
export function nodeVariable(lastSeenMetric: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder('node')
    .label('Node')
    .description('A node id (perimeter.node.id), from the collector’s last-seen gauge.')
    .datasource(DATASOURCE)
    .query({
      qryType: 1,
      query: `label_values(${lastSeenMetric}, node)`,
      refId: 'PrometheusVariableQueryEditor-VariableQuery',
    })
    .definition(`label_values(${lastSeenMetric}, node)`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

/** Links a table cell or series to the node dashboard for that node. */
export const NODE_LINK = `/d/${DashboardUids.node}?var-node=\${__field.labels.node}&\${__url_time_range}`;
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own ${…} variable syntax, not a JS template.
const NODE_LINK_TITLE = 'Open node ${__field.labels.node}';

/** The same link as a panel data link (the SDK types field links as dashboard links). */
export function nodeDataLinks(): dashboard.DashboardLinkBuilder[] {
  return [
    new dashboard.DashboardLinkBuilder(NODE_LINK_TITLE).type(dashboard.DashboardLinkType.Link).url(NODE_LINK),
  ];
}

/** The same link as a table column override carries it. */
export const NODE_CELL_LINKS = [{ title: NODE_LINK_TITLE, url: NODE_LINK }];

/** Threshold steps as the JSON a field override carries. */
export function stepsJson(steps: Steps): Array<{ value: number | null; color: string }> {
  return steps.map(([value, color]) => ({ value, color }));
}

/**
 * How many times a counter went up in the selected range, as a whole-number stat 4 units high:
 * the "(range)" tiles every dashboard opens with. `selector` is the metric with any label matchers.
 */
export function rangeCount(spec: {
  title: string;
  description: string;
  width: number;
  selector: string;
  thresholds?: Steps;
}): StatBuilder {
  const { selector, ...panel } = spec;
  return stat({
    ...panel,
    height: 4,
    unit: 'short',
    decimals: 0,
    queries: [{ expr: `sum(increase(${selector}[$__range]))` }],
  });
}

/** Counts per interval as stacked bars, half the width and 8 high: events over time, not rates. */
export function intervalBars(spec: {
  title: string;
  description: string;
  queries: Query[];
}): TimeseriesBuilder {
  return timeseries({ ...spec, width: 12, height: 8, unit: 'short', min: 0, bars: true, stacked: true });
}

/** A table built from several instant queries: their rows merged, then columns hidden, renamed, ordered. */
export function mergeThenOrganize(organize: {
  excludeByName: Record<string, boolean>;
  renameByName: Record<string, string>;
  indexByName?: Record<string, number>;
}): dashboard.DataTransformerConfig[] {
  return [
    { id: 'merge', options: {} },
    { id: 'organize', options: organize },
  ];
}
