import { PanelBuilder as BarGaugeBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  CellValuesBuilder,
  PanelBuilder as HeatmapBuilder,
  HeatmapColorMode,
  HeatmapColorOptionsBuilder,
  RowsHeatmapOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TextBuilder, TextMode } from '@grafana/grafana-foundation-sdk/text';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/**
 * Small constructors over the foundation SDK's builders, so every panel states the same things
 * (title, a description an on-call reader can act on, unit, range, thresholds) and every query
 * goes to the one provisioned Prometheus datasource. Panels here are data, the dashboards only
 * arrange them.
 */

/** The uid provisioned in dashboards/provisioning/datasources.yaml; every query names it. */
export const DATASOURCE_UID = 'perimeter-prometheus';
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: DATASOURCE_UID };

export interface Query {
  expr: string;
  legend?: string;
  /** Instant (tables, stats of "now"); default is a range query. */
  instant?: boolean;
  /** Table format: one row per series, labels as columns. */
  table?: boolean;
}

export interface PanelSpec {
  title: string;
  description: string;
  /** Grid units: 24 across. */
  width: number;
  height: number;
  queries: Query[];
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
  /** [from, color] steps; the first step's value is null (base). */
  thresholds?: Array<[number | null, string]>;
  mappings?: dashboard.ValueMapping[];
}

export type Steps = Array<[number | null, string]>;

export const Colors = { ok: 'green', warn: 'orange', bad: 'red', info: 'blue', idle: 'text' } as const;

export function thresholdSteps(steps: Steps): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

/** Exact values to text and colour (drift pass/fail, thermal pressure levels, up/down). */
export function valueMap(entries: Array<[number, string, string]>): dashboard.ValueMapping {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  entries.forEach(([value, text, color], index) => {
    options[String(value)] = { text, color, index };
  });
  return { type: dashboard.MappingType.ValueToText, options };
}

function target(query: Query, index: number): DataqueryBuilder {
  const builder = new DataqueryBuilder()
    .datasource(DATASOURCE)
    .refId(String.fromCharCode(65 + index))
    .expr(query.expr)
    .legendFormat(query.legend ?? '__auto');
  if (query.instant) builder.instant();
  else builder.range();
  if (query.table) builder.format(PromQueryFormat.Table);
  return builder;
}

/** The setters every panel kind shares (structural, so one function fills them all). */
interface CommonSetters<B> {
  title(title: string): B;
  description(description: string): B;
  datasource(ref: common.DataSourceRef): B;
  height(h: number): B;
  span(w: number): B;
  withTarget(t: cog.Builder<cog.Dataquery>): B;
  unit(unit: string): B;
  min(min: number): B;
  max(max: number): B;
  decimals(decimals: number): B;
  thresholds(t: cog.Builder<dashboard.ThresholdsConfig>): B;
  mappings(m: dashboard.ValueMapping[]): B;
}

function fill<B extends CommonSetters<B>>(builder: B, spec: PanelSpec): B {
  builder
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .span(spec.width)
    .height(spec.height);
  spec.queries.forEach((query, index) => {
    builder.withTarget(target(query, index));
  });
  if (spec.unit !== undefined) builder.unit(spec.unit);
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.decimals !== undefined) builder.decimals(spec.decimals);
  if (spec.thresholds !== undefined) builder.thresholds(thresholdSteps(spec.thresholds));
  if (spec.mappings !== undefined) builder.mappings(spec.mappings);
  return builder;
}

export function timeseries(
  spec: PanelSpec & { stacked?: boolean; bars?: boolean; thresholdLines?: boolean },
): TimeseriesBuilder {
  const builder = fill(new TimeseriesBuilder(), spec)
    .lineWidth(1)
    .fillOpacity(spec.stacked || spec.bars ? 60 : 10)
    .spanNulls(false)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
  if (spec.bars) builder.drawStyle(common.GraphDrawStyle.Bars);
  if (spec.stacked) builder.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (spec.thresholdLines) {
    builder.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.DashedAndArea),
    );
  }
  return builder;
}

export function stat(spec: PanelSpec & { sparkline?: boolean }): StatBuilder {
  return fill(new StatBuilder(), spec)
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(spec.sparkline ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

export function barGauge(spec: PanelSpec): BarGaugeBuilder {
  return fill(new BarGaugeBuilder(), spec)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .orientation(common.VizOrientation.Horizontal)
    .showUnfilled(true)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

export function table(
  spec: PanelSpec & { transformations?: dashboard.DataTransformerConfig[]; colorCells?: boolean },
): TableBuilder {
  const builder = fill(new TableBuilder(), spec).cellHeight(common.TableCellHeight.Sm);
  for (const transformation of spec.transformations ?? []) builder.withTransformation(transformation);
  if (spec.colorCells) {
    builder.cellOptions({
      type: common.TableCellDisplayMode.ColorBackground,
      mode: common.TableCellBackgroundDisplayMode.Basic,
    });
  }
  return builder;
}

export function stateTimeline(spec: PanelSpec): StateTimelineBuilder {
  return fill(new StateTimelineBuilder(), spec)
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .rowHeight(0.8)
    .fillOpacity(80);
}

/** Rows are series (one per node), cells coloured by value: the "across nodes" view. */
export function heatmapRows(spec: PanelSpec): HeatmapBuilder {
  return fill(new HeatmapBuilder(), spec)
    .calculate(false)
    .cellGap(1)
    .showLegend()
    .color(
      new HeatmapColorOptionsBuilder()
        .mode(HeatmapColorMode.Scheme)
        .scheme('Oranges')
        .fill('dark-orange')
        .exponent(0.5)
        .steps(64)
        .reverse(false)
        .min(spec.min ?? 0)
        .max(spec.max ?? 1),
    )
    .rowsFrame(new RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Unknown))
    .cellValues(new CellValuesBuilder().unit(spec.unit ?? 'short'));
}

export function note(title: string, markdown: string, width: number, height: number): TextBuilder {
  return new TextBuilder().title(title).mode(TextMode.Markdown).content(markdown).span(width).height(height);
}

export function row(title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title);
}
