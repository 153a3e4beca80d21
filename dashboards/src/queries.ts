import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * Reading the generated dashboards back the way Grafana does: every panel's Prometheus targets,
 * the template variables they use, and the metric names their PromQL selects. The e2e test runs
 * each query against a real Prometheus and checks each name against the collector's /metrics.
 */
export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
}

interface TargetLike {
  refId?: string;
  expr?: string;
  instant?: boolean;
}

export function panelQueries(model: dashboard.Dashboard): PanelQuery[] {
  const queries: PanelQuery[] = [];
  for (const panel of model.panels ?? []) {
    const targets = ((panel as { targets?: TargetLike[] }).targets ?? []).filter((t) => t.expr);
    for (const target of targets) {
      queries.push({
        dashboard: model.title ?? '(untitled)',
        panel: (panel as { title?: string }).title ?? '(untitled)',
        refId: target.refId ?? '?',
        expr: target.expr as string,
        instant: target.instant === true,
      });
    }
  }
  return queries;
}

/** Grafana's built-in interval and range variables, as a test substitutes them. */
export function substituteVariables(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$(\{)?(__[a-z_]+|[A-Za-z][A-Za-z0-9_]*)(\})?/g, (whole, _open, name: string) => {
    const value = values[name];
    return value === undefined ? whole : value;
  });
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
  'atan2',
]);
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/**
 * Metric names a PromQL expression selects: identifiers that are not function or aggregation
 * calls (followed by `(`), keywords, label names in `by (…)`/`on (…)` lists, or anything inside
 * `{…}` matchers, `[…]` ranges and string literals.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names = new Set<string>();
  const token =
    /\d+(?:\.\d+)?(?:[eE][+-]?\d+|[smhdwy]+)?|[A-Za-z_:][A-Za-z0-9_:]*|\(|\)|[^\sA-Za-z0-9_:()]+/g;
  const tokens = [...stripped.matchAll(token)].map((m) => m[0]);
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i] as string;
    if (!/^[A-Za-z_:]/.test(word)) continue;
    const lower = word.toLowerCase();
    if (LABEL_LIST_KEYWORDS.has(lower) && tokens[i + 1] === '(') {
      const close = tokens.indexOf(')', i + 1);
      i = close === -1 ? tokens.length : close;
      continue;
    }
    if (KEYWORDS.has(lower)) continue;
    // A call, or an aggregation written `sum by (node) (…)`.
    if (tokens[i + 1] === '(' || /^(by|without)$/i.test(tokens[i + 1] ?? '')) continue;
    names.add(word);
  }
  return [...names].sort();
}
