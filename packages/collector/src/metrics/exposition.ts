import { prometheusMetricName, sanitizePrometheusLabel } from '@perimeter/schema';
import type { Store } from '../store/store.ts';

/**
 * The newest value of every node series in the Prometheus text format (0.0.4), named by the
 * OTel → Prometheus rules and labelled with `node` plus the point's attributes. Written by hand
 * because prom-client wants every metric's label names fixed up front, while node series arrive
 * with whatever attributes their samplers give. Series silent for longer than `staleAfterMs` are
 * left out so a dead node's last reading does not look current (node_last_seen tells that story).
 */
export interface ExpositionOptions {
  nowMs: number;
  staleAfterMs: number;
  /** Metric names the collector's own registry already uses. */
  reservedNames: ReadonlySet<string>;
}

export function renderNodeSeries(store: Store, options: ExpositionOptions): string {
  const families = new Map<string, { type: 'gauge' | 'counter'; help: string; lines: string[] }>();
  for (const [seriesId, sample] of store.latest.entries()) {
    if (options.nowMs - sample.tsMs > options.staleAfterMs || !Number.isFinite(sample.value)) {
      continue;
    }
    const series = store.series.get(seriesId);
    if (!series) {
      continue;
    }
    const type = series.kind === 'counter' ? 'counter' : 'gauge';
    const name = prometheusMetricName(series.metric, series.unit, type);
    if (options.reservedNames.has(name)) {
      continue;
    }
    let family = families.get(name);
    if (!family) {
      family = {
        type,
        help: `${series.metric} (${series.unit || 'no unit'}) as reported by nodes`,
        lines: [],
      };
      families.set(name, family);
    }
    family.lines.push(
      `${name}{${renderLabels(series.nodeId, series.attributes)}} ${formatValue(sample.value)}`,
    );
  }
  let text = '';
  for (const [name, family] of [...families.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    text += `# HELP ${name} ${escapeHelp(family.help)}\n# TYPE ${name} ${family.type}\n${family.lines.sort().join('\n')}\n`;
  }
  return text;
}

function renderLabels(nodeId: string, attributes: Record<string, string | number | boolean>): string {
  return Object.entries(nodeSeriesLabels(nodeId, attributes))
    .map(([label, value]) => `${label}="${escapeLabelValue(value)}"`)
    .join(',');
}

/**
 * A node series' Prometheus labels, in /metrics order: `node`, then each attribute under its
 * sanitized name (`node` and `__*` become `attr_*`; the first of two attributes that sanitize to
 * the same name wins). Alert rules read node series under exactly these labels.
 */
export function nodeSeriesLabels(
  nodeId: string,
  attributes: Record<string, string | number | boolean>,
): Record<string, string> {
  const labels: Record<string, string> = { node: nodeId };
  for (const [key, value] of Object.entries(attributes)) {
    let label = sanitizePrometheusLabel(key);
    if (label === 'node' || label.startsWith('__')) {
      label = `attr_${label.replace(/^_+/, '')}`;
    }
    if (!Object.hasOwn(labels, label)) {
      labels[label] = String(value);
    }
  }
  return labels;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  // The shortest text that reads back as the same double; Prometheus parses exponent forms too.
  return String(value);
}
